// Paging state, kept out of the components so it can be tested: the subscriber listing's
// query (offset/limit paging on the server, carried in the page's URL) and the records
// table's token paging (Cassandra page states: forward only, so earlier tokens are kept).

export type SortKey = 'percent' | 'msisdn' | 'usage';
export type SortOrder = 'asc' | 'desc';

export interface ListQuery {
  q: string;
  sort: SortKey;
  order: SortOrder;
  offset: number;
  limit: number;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
export const MAX_SEARCH_LENGTH = 64;
const SORTS: readonly SortKey[] = ['percent', 'msisdn', 'usage'];

function intParam(value: string | null, fallback: number, min: number, max: number): number {
  if (value === null || !/^\d+$/.test(value)) return fallback;
  return Math.min(max, Math.max(min, Number(value)));
}

/** The listing query from the page's URL parameters; anything unreadable falls back to the default. */
export function parseListQuery(params: URLSearchParams): ListQuery {
  const sortParam = params.get('sort');
  const sort: SortKey = SORTS.includes(sortParam as SortKey) ? (sortParam as SortKey) : 'percent';
  const orderParam = params.get('order');
  const order: SortOrder = orderParam === 'asc' || orderParam === 'desc' ? orderParam : sort === 'msisdn' ? 'asc' : 'desc';
  const limit = intParam(params.get('limit'), DEFAULT_LIMIT, 1, MAX_LIMIT);
  const offset = intParam(params.get('offset'), 0, 0, Number.MAX_SAFE_INTEGER);
  return { q: (params.get('q') ?? '').trim().slice(0, MAX_SEARCH_LENGTH), sort, order, offset, limit };
}

/** URL parameters of a query, defaults left out so links stay short. */
export function listQueryParams(query: ListQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (query.q) p.set('q', query.q);
  if (query.sort !== 'percent') p.set('sort', query.sort);
  const defaultOrder = query.sort === 'msisdn' ? 'asc' : 'desc';
  if (query.order !== defaultOrder) p.set('order', query.order);
  if (query.offset !== 0) p.set('offset', String(query.offset));
  if (query.limit !== DEFAULT_LIMIT) p.set('limit', String(query.limit));
  return p;
}

/** The API request of a query (every parameter explicit). */
export function listQueryApiPath(query: ListQuery): string {
  const p = new URLSearchParams({ sort: query.sort, order: query.order, offset: String(query.offset), limit: String(query.limit) });
  if (query.q) p.set('q', query.q);
  return `/api/subscribers?${p.toString()}`;
}

/** A new search starts at the first page. */
export function withSearch(query: ListQuery, q: string): ListQuery {
  return { ...query, q: q.trim().slice(0, MAX_SEARCH_LENGTH), offset: 0 };
}

/** Sorting by a column: the same column flips its order, another starts with its natural order; first page. */
export function withSort(query: ListQuery, sort: SortKey): ListQuery {
  const order: SortOrder = query.sort === sort ? (query.order === 'asc' ? 'desc' : 'asc') : sort === 'msisdn' ? 'asc' : 'desc';
  return { ...query, sort, order, offset: 0 };
}

export interface PageInfo {
  /** 1-based first and last row shown; 0 and 0 when empty. */
  from: number;
  to: number;
  total: number;
  hasPrev: boolean;
  hasNext: boolean;
}

export function pageInfo(total: number, offset: number, limit: number, rowsShown: number): PageInfo {
  return {
    from: rowsShown === 0 ? 0 : offset + 1,
    to: offset + rowsShown,
    total,
    hasPrev: offset > 0,
    hasNext: offset + limit < total,
  };
}

export function nextPage(query: ListQuery, total: number): ListQuery {
  return query.offset + query.limit < total ? { ...query, offset: query.offset + query.limit } : query;
}

export function prevPage(query: ListQuery): ListQuery {
  return { ...query, offset: Math.max(0, query.offset - query.limit) };
}

/**
 * After a refresh the total may have shrunk (a search, fewer subscribers): an offset past
 * the end moves to the last page that has rows.
 */
export function clampOffset(query: ListQuery, total: number): ListQuery {
  if (query.offset === 0 || query.offset < total) return query;
  const lastStart = total === 0 ? 0 : Math.floor((total - 1) / query.limit) * query.limit;
  return { ...query, offset: lastStart };
}

/** Token paging of the records table: tokens[i] is the page state that fetches page i (null: the first). */
export interface TokenPaging {
  tokens: (string | null)[];
  index: number;
  /** The token of the page after the current one, from X-Next-Page-State; null on the last page. */
  next: string | null;
}

export const firstTokenPage: TokenPaging = { tokens: [null], index: 0, next: null };

export function currentToken(p: TokenPaging): string | null {
  return p.tokens[p.index] ?? null;
}

/** The current page was answered: remember where the next one starts. */
export function answered(p: TokenPaging, nextToken: string | null): TokenPaging {
  return { ...p, next: nextToken && nextToken.length > 0 ? nextToken : null };
}

export function tokenNext(p: TokenPaging): TokenPaging {
  if (p.next === null) return p;
  return { tokens: [...p.tokens.slice(0, p.index + 1), p.next], index: p.index + 1, next: null };
}

export function tokenPrev(p: TokenPaging): TokenPaging {
  if (p.index === 0) return p;
  // The previous page's "next" is the page we are leaving: kept, so Next works straight away.
  return { tokens: p.tokens, index: p.index - 1, next: p.tokens[p.index] ?? null };
}

export function recordsApiPath(agreementId: string, year: number, month: number, limit: number, token: string | null): string {
  const p = new URLSearchParams({ limit: String(limit) });
  if (token !== null) p.set('pageState', token);
  return `/api/data-records/${encodeURIComponent(agreementId)}/${year}/${String(month).padStart(2, '0')}?${p.toString()}`;
}
