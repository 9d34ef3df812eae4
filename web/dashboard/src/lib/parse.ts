// Light checks of the API's answers: enough that a wrong answer (an older backend, a proxy's
// page) is reported as such instead of breaking a page half-way through rendering.
import type { PeriodDetail, SubscribersPage, Usage } from './types';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export class BadAnswerError extends Error {
  override readonly name = 'BadAnswerError';
}

export function parseSubscribersPage(body: unknown): SubscribersPage {
  if (!isObject(body) || typeof body['total'] !== 'number' || !Array.isArray(body['rows'])) {
    throw new BadAnswerError('the subscribers answer has no total and rows (is the ingester up to date?)');
  }
  return body as unknown as SubscribersPage;
}

export function parseUsage(body: unknown): Usage {
  if (!isObject(body) || typeof body['agreementId'] !== 'string' || !Array.isArray(body['openPeriods'])) {
    throw new BadAnswerError('the usage answer has no agreementId and openPeriods');
  }
  return body as unknown as Usage;
}

export function parsePeriodDetail(body: unknown): PeriodDetail {
  if (!isObject(body) || !isObject(body['period']) || !isObject(body['total']) || !Array.isArray(body['curve'])) {
    throw new BadAnswerError('the period answer has no period, total and curve');
  }
  return body as unknown as PeriodDetail;
}
