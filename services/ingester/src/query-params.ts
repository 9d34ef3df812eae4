// Validation of the live-usage endpoints' parameters: every problem is a 400 naming the
// parameter, its value and what is accepted. Pure.
import { uuidSchema } from '@mobilecs/domain';
import type { SortField, SortOrder } from './subscriber-pages';

/** A parameter that cannot be used: answered 400 `bad-request`. */
export interface BadParameter {
  readonly parameter: string;
  readonly message: string;
}

export type Scope = 'all' | 'local';

export interface SubscriberQuery {
  readonly q: string;
  readonly sort: SortField;
  readonly order: SortOrder;
  readonly offset: number;
  readonly limit: number;
  readonly scope: Scope;
}

export const MAX_PAGE_LIMIT = 500;
export const MAX_QUERY_LENGTH = 64;
const SORTS: readonly SortField[] = ['percent', 'msisdn', 'usage'];
const ORDERS: readonly SortOrder[] = ['desc', 'asc'];

type Parsed<T> = { ok: true; value: T } | { ok: false; error: BadParameter };
const bad = (parameter: string, message: string): { ok: false; error: BadParameter } => ({ ok: false, error: { parameter, message: `${parameter}: ${message}` } });

/** One value of a query parameter (Express gives arrays for repeated ones, objects for a[b]=c). */
function single(query: Record<string, unknown>, name: string): Parsed<string | undefined> {
  const v = query[name];
  if (v === undefined) return { ok: true, value: undefined };
  if (typeof v !== 'string') return bad(name, 'given more than once or with brackets; give it once');
  return { ok: true, value: v };
}

function integer(query: Record<string, unknown>, name: string, min: number, max: number, fallback: number): Parsed<number> {
  const s = single(query, name);
  if (!s.ok) return s;
  if (s.value === undefined || s.value === '') return { ok: true, value: fallback };
  if (!/^\d{1,9}$/.test(s.value)) return bad(name, `${JSON.stringify(s.value.slice(0, 40))} is not a whole number from ${min} to ${max}`);
  const n = Number(s.value);
  if (n < min || n > max) return bad(name, `${n} is outside ${min}…${max}`);
  return { ok: true, value: n };
}

function oneOf<T extends string>(query: Record<string, unknown>, name: string, allowed: readonly T[]): Parsed<T> {
  const s = single(query, name);
  if (!s.ok) return s;
  if (s.value === undefined || s.value === '') return { ok: true, value: allowed[0]! };
  if (!(allowed as readonly string[]).includes(s.value)) return bad(name, `${JSON.stringify(s.value.slice(0, 40))} is not one of ${allowed.join(', ')}`);
  return { ok: true, value: s.value as T };
}

export function parseScope(query: Record<string, unknown>): Parsed<Scope> {
  const s = single(query, 'scope');
  if (!s.ok) return s;
  if (s.value === undefined || s.value === '') return { ok: true, value: 'all' };
  if (s.value !== 'local') return bad('scope', `${JSON.stringify(s.value.slice(0, 40))}: only "local" (this instance's own subscribers, for the fan-out between instances)`);
  return { ok: true, value: 'local' };
}

/**
 * The listing's parameters. `maxRows` bounds how deep a page may reach (offset + limit):
 * each instance sends its first offset+limit rows, so depth costs on every instance.
 * Asked with scope=local (by another instance) limit may be up to maxRows.
 */
export function parseSubscriberQuery(query: Record<string, unknown>, maxRows: number): Parsed<SubscriberQuery> {
  const scope = parseScope(query);
  if (!scope.ok) return scope;
  const q = single(query, 'q');
  if (!q.ok) return q;
  const text = (q.value ?? '').trim();
  if (text.length > MAX_QUERY_LENGTH) return bad('q', `${text.length} characters; at most ${MAX_QUERY_LENGTH} (a prefix of an msisdn or an agreement id)`);
  if (!/^[0-9A-Za-z-]*$/.test(text)) return bad('q', `${JSON.stringify(text)}: letters, digits and - only (a prefix of an msisdn or an agreement id)`);
  const sort = oneOf(query, 'sort', SORTS);
  if (!sort.ok) return sort;
  const order = oneOf(query, 'order', ORDERS);
  if (!order.ok) return order;
  const offset = integer(query, 'offset', 0, maxRows, 0);
  if (!offset.ok) return offset;
  const limit = integer(query, 'limit', 1, scope.value === 'local' ? maxRows : MAX_PAGE_LIMIT, 50);
  if (!limit.ok) return limit;
  if (offset.value + limit.value > maxRows) {
    return bad('offset', `offset + limit = ${offset.value + limit.value} reaches deeper than ${maxRows} rows; narrow the search with q or reverse the order`);
  }
  return { ok: true, value: { q: text, sort: sort.value, order: order.value, offset: offset.value, limit: limit.value, scope: scope.value } };
}

/** An agreement id in the path: a UUID (normalised to lower case). */
export function parseAgreementId(value: string): Parsed<string> {
  const r = uuidSchema.safeParse(value);
  if (!r.success) return bad('agreementId', `${JSON.stringify(value.slice(0, 60))} is not a UUID`);
  return { ok: true, value: r.data };
}
