// Live usage from any instance (Kafka Streams' interactive queries with application.server):
// each instance answers for the partitions it owns (scope=local) and, asked without a
// scope, finds the owners in the consumer group's description and asks them over HTTP —
// an agreement from its owner, the subscriber listing from every instance, merged. An
// answer is complete or it is a 503 saying why (rebalancing, an instance not answering);
// never a silently partial list.
import { parseExact, stringifyExact, toWireInteger, type Agreement } from '@mobilecs/domain';
import type { GroupView } from '@mobilecs/platform';
import type { WindowState } from '@mobilecs/windowing';
import { ownershipOf, type Instance } from './ownership';
import { parseAgreementId, parseScope, parseSubscriberQuery, type BadParameter, type SubscriberQuery } from './query-params';
import { compareBy, firstInOrder, matchesQuery, mergePages, sortKey, type RowsPage } from './subscriber-pages';
import { subscriberRow, type SubscriberRow } from './subscriber-row';

/** What the local ingester offers to queries (the Ingester class). */
export interface LocalUsageSource {
  readonly state: 'starting' | 'running' | 'stopping';
  /** Assigned input partitions, and those whose state is still being restored. */
  queryStatus(): { partitions: number[]; restoring: number[] };
  agreementsWithNewestWindow(): { agreement: Agreement; partition: number; window: WindowState | null }[];
  agreementById(agreementId: string): { agreement: Agreement; partition: number } | undefined;
  openPeriods(agreementId: string): unknown[];
}

export interface UsageQueryOptions {
  /** The input topic whose partitions are owned (incoming-data-records; agreements are co-partitioned). */
  readonly topic: string;
  /** Its partition count (TOPIC_PARTITIONS): a partition without an owner makes answers 503. */
  readonly partitionCount: number;
  /** This instance's advertised URL, once known. */
  readonly selfUrl: () => string | undefined;
  /** The local ingester, once created. */
  readonly local: () => LocalUsageSource | undefined;
  /** The consumer group's description (cached; see GroupViewCache). */
  readonly groupView: () => Promise<GroupView>;
  /** Time for a call to another instance or to Kafka; beyond it the answer is 503. */
  readonly timeoutMs: number;
  /** Deepest row a page may reach (offset + limit). */
  readonly maxRows: number;
  readonly fetch?: typeof fetch;
}

export type ErrorCode = 'bad-request' | 'unknown-agreement' | 'rebalancing' | 'instance-unavailable' | 'starting' | 'internal-error';

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export function errorAnswer(status: number, code: ErrorCode, message: string, extra: Record<string, unknown> = {}): Answer {
  return { status, body: { code, message, ...extra }, ...(code === 'rebalancing' || code === 'starting' ? { headers: { 'Retry-After': '1' } } : {}) };
}

const badRequest = (e: BadParameter): Answer => errorAnswer(400, 'bad-request', e.message, { parameter: e.parameter });

type PeerResult = { url: string; ok: true; status: number; body: Record<string, unknown> } | { url: string; ok: false; reason: string };

const describeError = (err: unknown): string => (err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err));

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export class UsageQueries {
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: UsageQueryOptions) {
    this.fetch = opts.fetch ?? fetch;
  }

  // ---- GET /api/usage/:agreementId ------------------------------------------------------

  async agreement(rawId: string, query: Record<string, unknown>): Promise<Answer> {
    const id = parseAgreementId(rawId);
    if (!id.ok) return badRequest(id.error);
    const scope = parseScope(query);
    if (!scope.ok) return badRequest(scope.error);
    const local = this.running();
    if (!local.ok) return local.answer;
    const here = this.localAgreement(local.source, id.value);
    if (scope.value === 'local' || here.status === 200) return here;
    // The id does not say which partition (the input is keyed by msisdn): ask every other instance.
    const owners = await this.owners();
    if (!owners.ok) return owners.answer;
    const self = this.opts.selfUrl();
    const peers = owners.instances.filter((i) => i.url !== self);
    const results = await Promise.all(peers.map((p) => this.ask(p.url, `/api/usage/${encodeURIComponent(id.value)}`, { scope: 'local' })));
    const found = results.find((r) => r.ok && r.status === 200);
    if (found?.ok) return { status: 200, body: { ...found.body, answeredBy: self ?? null } };
    const unavailable = results.filter((r) => !r.ok || (r.status !== 404 && r.status !== 503));
    if (unavailable.length > 0) return errorAnswer(503, 'instance-unavailable', `agreement ${id.value} is not held here and ${unavailable.map((r) => this.why(r, peers)).join('; ')}`, { instances: unavailable.map((r) => r.url) });
    const busy = [...results.filter((r) => r.ok && r.status === 503).map((r) => this.why(r, peers)), ...(here.status === 503 ? [`${self ?? 'this instance'}: ${(here.body as { message: string }).message}`] : [])];
    if (busy.length > 0) return errorAnswer(503, 'rebalancing', `agreement ${id.value} was not found while ${busy.join('; ')}`);
    return errorAnswer(404, 'unknown-agreement', `no instance holds agreement ${id.value} (asked ${owners.instances.map((i) => i.url).join(', ')}): it never arrived on the agreements topic, or it was not readable (see dead-letters)`);
  }

  /** This instance's answer for an agreement: 200, 404 when it does not hold it, 503 while restoring. */
  localAgreement(source: LocalUsageSource, agreementId: string): Answer {
    const self = this.opts.selfUrl() ?? null;
    const status = source.queryStatus();
    const held = source.agreementById(agreementId);
    if (held) {
      const { agreement, partition } = held;
      return {
        status: 200,
        body: {
          agreementId: agreement.id,
          msisdn: agreement.msisdn,
          maxBytesInBillingPeriod: toWireInteger(agreement.maxBytesInBillingPeriod),
          billingPeriodTimeZone: agreement.billingPeriodTimeZone,
          owner: { url: self, partition },
          answeredBy: self,
          partitions: status.partitions,
          openPeriods: source.openPeriods(agreement.id),
        },
      };
    }
    if (status.restoring.length > 0) return errorAnswer(503, 'rebalancing', `partitions ${status.restoring.join(', ')} of ${self ?? 'this instance'} are being restored from the changelog`);
    return errorAnswer(404, 'unknown-agreement', `agreement ${agreementId} is not held by ${self ?? 'this instance'} (partitions ${status.partitions.join(', ') || 'none'})`);
  }

  // ---- GET /api/subscribers -------------------------------------------------------------

  async subscribers(query: Record<string, unknown>): Promise<Answer> {
    const parsed = parseSubscriberQuery(query, this.opts.maxRows);
    if (!parsed.ok) return badRequest(parsed.error);
    const q = parsed.value;
    const local = this.running();
    if (!local.ok) return local.answer;
    if (q.scope === 'local') return this.localSubscribers(local.source, q);
    const owners = await this.owners();
    if (!owners.ok) return owners.answer;
    const self = this.opts.selfUrl();
    const depth = q.offset + q.limit;
    const params = { scope: 'local', q: q.q, sort: q.sort, order: q.order, offset: '0', limit: String(depth) };
    const results = await Promise.all(
      owners.instances.map(async (i): Promise<PeerResult> => {
        if (i.url !== self) return this.ask(i.url, '/api/subscribers', params);
        const a = this.localSubscribers(local.source, { ...q, scope: 'local', offset: 0, limit: depth });
        return { url: i.url, ok: true, status: a.status, body: a.body as Record<string, unknown> };
      }),
    );
    const pages: RowsPage[] = [];
    const unavailable: PeerResult[] = [];
    const busy: string[] = [];
    for (const [k, r] of results.entries()) {
      const expected = owners.instances[k]!.partitions;
      if (!r.ok || (r.status !== 200 && r.status !== 503)) unavailable.push(r);
      else if (r.status === 503) busy.push(this.why(r, owners.instances));
      else {
        const served = (r.body.instances as { partitions?: unknown }[] | undefined)?.[0]?.partitions;
        if (!Array.isArray(served) || served.join() !== expected.join()) {
          busy.push(`${r.url} serves partitions ${Array.isArray(served) ? served.join(', ') || 'none' : '(unknown)'} but the group assigned it ${expected.join(', ') || 'none'}`);
        } else pages.push({ total: Number(r.body.total), rows: r.body.rows as SubscriberRow[] });
      }
    }
    if (unavailable.length > 0) {
      return errorAnswer(503, 'instance-unavailable', `the listing needs every instance and ${unavailable.map((r) => this.why(r, owners.instances)).join('; ')}`, { instances: unavailable.map((r) => r.url) });
    }
    if (busy.length > 0) return errorAnswer(503, 'rebalancing', `the group is settling: ${busy.join('; ')}`);
    const page = mergePages(pages, q, q.offset, q.limit);
    return { status: 200, body: { total: page.total, offset: q.offset, limit: q.limit, rows: page.rows, instances: owners.instances } };
  }

  /** This instance's subscribers: its first offset+limit in order, cut at offset; 503 while restoring. */
  localSubscribers(source: LocalUsageSource, q: SubscriberQuery): Answer {
    const self = this.opts.selfUrl() ?? null;
    const status = source.queryStatus();
    if (status.restoring.length > 0) return errorAnswer(503, 'rebalancing', `partitions ${status.restoring.join(', ')} of ${self ?? 'this instance'} are being restored from the changelog`);
    const cmp = compareBy(q);
    const entries = [];
    for (const { agreement, window } of source.agreementsWithNewestWindow()) {
      if (!matchesQuery(q.q, agreement.msisdn, agreement.id)) continue;
      const key = sortKey(agreement.msisdn, agreement.id, window ? window.totalBytes : 0n, window ? window.maxBytes : agreement.maxBytesInBillingPeriod);
      entries.push({ key, agreement, window });
    }
    const first = firstInOrder(entries, q.offset + q.limit, (a, b) => cmp(a.key, b.key));
    return {
      status: 200,
      body: {
        total: entries.length,
        offset: q.offset,
        limit: q.limit,
        rows: first.slice(q.offset).map((e) => subscriberRow(e.agreement, e.window)),
        instances: [{ url: self, partitions: status.partitions }],
      },
    };
  }

  // ---- helpers -------------------------------------------------------------------------

  private running(): { ok: true; source: LocalUsageSource } | { ok: false; answer: Answer } {
    const source = this.opts.local();
    if (!source || source.state !== 'running') return { ok: false, answer: errorAnswer(503, 'starting', `this ingester is ${source?.state ?? 'starting'}`) };
    return { ok: true, source };
  }

  private async owners(): Promise<{ ok: true; instances: readonly Instance[] } | { ok: false; answer: Answer }> {
    let view: GroupView;
    try {
      view = await withTimeout(this.opts.groupView(), this.opts.timeoutMs, 'Kafka (describe the consumer group)');
    } catch (err) {
      return { ok: false, answer: errorAnswer(503, 'instance-unavailable', `cannot learn which instance owns which partition: ${describeError(err)}`) };
    }
    const own = ownershipOf(view, this.opts.topic, this.opts.partitionCount);
    if (!own.ok) return { ok: false, answer: errorAnswer(503, own.code, own.message) };
    return { ok: true, instances: own.instances };
  }

  /** GET another instance, within the timeout; its body parsed exactly (byte counts beyond 2^53 stay bigints). */
  private async ask(url: string, path: string, params: Record<string, string>): Promise<PeerResult> {
    const target = `${url.replace(/\/+$/, '')}${path}?${new URLSearchParams(params).toString()}`;
    try {
      const res = await this.fetch(target, { signal: AbortSignal.timeout(this.opts.timeoutMs), headers: { accept: 'application/json' } });
      const text = await res.text();
      let body: unknown;
      try {
        body = parseExact(text);
      } catch {
        return { url, ok: false, reason: `answered ${res.status} with a body that is not JSON` };
      }
      if (typeof body !== 'object' || body === null) return { url, ok: false, reason: `answered ${res.status} with an unexpected body` };
      return { url, ok: true, status: res.status, body: body as Record<string, unknown> };
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      return { url, ok: false, reason: timedOut ? `did not answer within ${this.opts.timeoutMs} ms` : `is not reachable (${describeError(err)})` };
    }
  }

  /** A peer's failure in words, naming it and its partitions. */
  private why(r: PeerResult, instances: readonly Instance[]): string {
    const parts = instances.find((i) => i.url === r.url)?.partitions;
    const who = `instance ${r.url}${parts ? ` (partitions ${parts.join(', ') || 'none'})` : ''}`;
    if (!r.ok) return `${who} ${r.reason}`;
    const message = typeof r.body.message === 'string' ? r.body.message : JSON.stringify(r.body).slice(0, 200);
    return `${who} answered ${r.status}: ${message}`;
  }
}

/** The bits of Express used here (kept structural: the ingester does not depend on express itself). */
interface RouteRequest {
  params: Record<string, string>;
  query: unknown;
}
interface RouteResponse {
  status(code: number): RouteResponse;
  set(field: string, value: string): RouteResponse;
  type(type: string): RouteResponse;
  send(body: string): unknown;
}
export interface RouteApp {
  get(path: string, handler: (req: RouteRequest, res: RouteResponse) => Promise<void>): unknown;
}

/** Registers GET /api/usage/:agreementId and GET /api/subscribers. */
export function registerUsageRoutes(app: RouteApp, queries: UsageQueries, onError: (err: unknown) => void): void {
  const send = (res: RouteResponse, a: Answer) => {
    res.status(a.status);
    for (const [k, v] of Object.entries(a.headers ?? {})) res.set(k, v);
    // Exact JSON: byte counts beyond 2^53 are bigints, written as JSON numbers digit for digit.
    res.type('application/json').send(stringifyExact(a.body));
  };
  const handle = (work: (req: RouteRequest) => Promise<Answer>) => async (req: RouteRequest, res: RouteResponse) => {
    try {
      send(res, await work(req));
    } catch (err) {
      onError(err);
      send(res, errorAnswer(500, 'internal-error', `the query failed: ${describeError(err)}`));
    }
  };
  const query = (req: RouteRequest) => (typeof req.query === 'object' && req.query !== null ? (req.query as Record<string, unknown>) : {});
  app.get('/api/usage/:agreementId', handle((req) => queries.agreement(req.params.agreementId ?? '', query(req))));
  app.get('/api/subscribers', handle((req) => queries.subscribers(query(req))));
}
