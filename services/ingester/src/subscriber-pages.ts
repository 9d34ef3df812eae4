// Paging the subscriber listing over all instances, as a scatter-gather search does: each
// instance sorts its own subscribers and gives its first offset+limit; the instance asked
// merges those lists by the same order and cuts the page. Exact because the order is a
// total order (ties broken by msisdn, then agreement id) computed from the row alone.
import { usageRatio, type SubscriberRow } from './subscriber-row';

export type SortField = 'percent' | 'msisdn' | 'usage';
export type SortOrder = 'asc' | 'desc';

export interface PageOrder {
  readonly sort: SortField;
  readonly order: SortOrder;
}

/** What a row is sorted by, computed once per row. */
export interface SortKey {
  readonly msisdn: string;
  readonly agreementId: string;
  readonly total: bigint;
  readonly ratio: number;
}

export function sortKey(msisdn: string, agreementId: string, total: bigint, max: bigint): SortKey {
  return { msisdn, agreementId, total, ratio: usageRatio(total, max) };
}

/** The sort key of a row as received (byte counts as numbers or bigints). */
export function rowSortKey(row: Pick<SubscriberRow, 'msisdn' | 'agreementId' | 'totalRecordedBytes' | 'maxBytesInBillingPeriod'>): SortKey {
  return sortKey(row.msisdn, row.agreementId, BigInt(row.totalRecordedBytes), BigInt(row.maxBytesInBillingPeriod));
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The listing's total order: the field in the given direction, then msisdn and agreement id ascending. */
export function compareBy({ sort, order }: PageOrder): (a: SortKey, b: SortKey) => number {
  const dir = order === 'asc' ? 1 : -1;
  const primary =
    sort === 'percent' ? (a: SortKey, b: SortKey) => (a.ratio < b.ratio ? -1 : a.ratio > b.ratio ? 1 : 0)
    : sort === 'usage' ? (a: SortKey, b: SortKey) => (a.total < b.total ? -1 : a.total > b.total ? 1 : 0)
    : (a: SortKey, b: SortKey) => byString(a.msisdn, b.msisdn);
  return (a, b) => dir * primary(a, b) || byString(a.msisdn, b.msisdn) || byString(a.agreementId, b.agreementId);
}

/** Whether a subscriber matches the search: `q` is a prefix of its msisdn or of its agreement id (any case). */
export function matchesQuery(q: string, msisdn: string, agreementId: string): boolean {
  return q === '' || msisdn.startsWith(q) || agreementId.startsWith(q.toLowerCase());
}

/**
 * The first `k` items in `cmp` order, sorted. A bounded heap when k is small against the
 * list (n log k: a page of 50 out of 100 000 does not sort all 100 000), else a sort.
 */
export function firstInOrder<T>(items: readonly T[], k: number, cmp: (a: T, b: T) => number): T[] {
  if (k <= 0) return [];
  if (k * 4 >= items.length) return [...items].sort(cmp).slice(0, k);
  // Max-heap under cmp: heap[0] is the last (worst) of the best k seen so far.
  const heap: T[] = [];
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (cmp(heap[i]!, heap[parent]!) <= 0) return;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && cmp(heap[l]!, heap[worst]!) > 0) worst = l;
      if (r < heap.length && cmp(heap[r]!, heap[worst]!) > 0) worst = r;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst]!, heap[i]!];
      i = worst;
    }
  };
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item);
      up(heap.length - 1);
    } else if (cmp(item, heap[0]!) < 0) {
      heap[0] = item;
      down(0);
    }
  }
  return heap.sort(cmp);
}

export interface RowsPage {
  /** Subscribers matching the search, over everything the page was cut from. */
  readonly total: number;
  readonly rows: readonly SubscriberRow[];
}

/**
 * Merges instances' answers, each holding (at least) its first offset+limit rows in this
 * order, into the page [offset, offset+limit) of the whole; totals add up.
 */
export function mergePages(pages: readonly RowsPage[], order: PageOrder, offset: number, limit: number): RowsPage {
  const cmp = compareBy(order);
  const keyed = pages.flatMap((p) => p.rows.map((row) => ({ row, key: rowSortKey(row) })));
  const first = firstInOrder(keyed, offset + limit, (a, b) => cmp(a.key, b.key));
  return { total: pages.reduce((n, p) => n + p.total, 0), rows: first.slice(offset).map((k) => k.row) };
}
