import { describe, expect, it } from 'vitest';
import { compareBy, firstInOrder, matchesQuery, mergePages, rowSortKey, type PageOrder } from './subscriber-pages';
import type { SubscriberRow } from './subscriber-row';

/** A deterministic pseudo-random sequence (no Math.random: a failure must replay). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1_664_525 + 1_013_904_223) >>> 0) / 2 ** 32);
}

function rows(n: number, seed: number): SubscriberRow[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const max = BigInt(1 + Math.floor(r() * 5)) * 1000n;
    const total = BigInt(Math.floor(r() * 8)) * 500n; // many ties on purpose
    return {
      msisdn: `4850${String(Math.floor(r() * 50)).padStart(7, '0')}`, // repeated msisdns: several agreements
      agreementId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      maxBytesInBillingPeriod: Number(max),
      billingPeriodTimeZone: 'Europe/Warsaw',
      period: null,
      totalRecordedBytes: Number(total),
      percentOfPlan: 0,
      state: 'within-plan',
    };
  });
}

const ORDERS: PageOrder[] = (['percent', 'usage', 'msisdn'] as const).flatMap((sort) => (['desc', 'asc'] as const).map((order) => ({ sort, order })));

describe('compareBy', () => {
  it('sorts by the field, then msisdn and agreement id ascending, whatever the direction', () => {
    const [a, b, c] = [
      { msisdn: '2', agreementId: 'a', total: 10n, ratio: 0.5 },
      { msisdn: '1', agreementId: 'b', total: 10n, ratio: 0.5 },
      { msisdn: '1', agreementId: 'a', total: 20n, ratio: 0.9 },
    ];
    expect([a, b, c].sort(compareBy({ sort: 'percent', order: 'desc' }))).toEqual([c, b, a]);
    expect([a, b, c].sort(compareBy({ sort: 'percent', order: 'asc' }))).toEqual([b, a, c]);
    expect([a, b, c].sort(compareBy({ sort: 'usage', order: 'asc' }))).toEqual([b, a, c]);
    expect([a, b, c].sort(compareBy({ sort: 'msisdn', order: 'desc' }))).toEqual([a, c, b]);
    expect([a, b, c].sort(compareBy({ sort: 'msisdn', order: 'asc' }))).toEqual([c, b, a]);
  });
  it('compares usage exactly beyond 2^53', () => {
    const big = rowSortKey({ msisdn: '1', agreementId: 'a', totalRecordedBytes: 2n ** 62n + 1n, maxBytesInBillingPeriod: 1 });
    const less = rowSortKey({ msisdn: '2', agreementId: 'a', totalRecordedBytes: 2n ** 62n, maxBytesInBillingPeriod: 1 });
    expect(compareBy({ sort: 'usage', order: 'desc' })(big, less)).toBeLessThan(0);
  });
});

describe('firstInOrder', () => {
  it('gives the same as sorting everything and cutting, on both of its paths', () => {
    const r = rng(7);
    const nums = Array.from({ length: 2000 }, () => Math.floor(r() * 300));
    const cmp = (a: number, b: number) => b - a;
    for (const k of [0, 1, 5, 50, 499, 500, 501, 1999, 2000, 5000]) expect(firstInOrder(nums, k, cmp)).toEqual([...nums].sort(cmp).slice(0, k));
  });
});

describe('mergePages', () => {
  it('the page of the merged instances equals the page of everything, for every order, and totals add up', () => {
    const all = rows(600, 1);
    // Three instances each holding a third; each gives its first offset+limit in order.
    const parts = [0, 1, 2].map((k) => all.filter((_, i) => i % 3 === k));
    for (const order of ORDERS) {
      const cmp = compareBy(order);
      const sorted = [...all].sort((a, b) => cmp(rowSortKey(a), rowSortKey(b)));
      for (const [offset, limit] of [[0, 50], [50, 50], [120, 7], [590, 50], [600, 10]] as const) {
        const pages = parts.map((p) => ({ total: p.length, rows: [...p].sort((a, b) => cmp(rowSortKey(a), rowSortKey(b))).slice(0, offset + limit) }));
        const merged = mergePages(pages, order, offset, limit);
        expect(merged.total).toBe(600);
        expect(merged.rows.map((x) => x.agreementId)).toEqual(sorted.slice(offset, offset + limit).map((x) => x.agreementId));
      }
    }
  });
  it('every row exactly once across consecutive pages', () => {
    const all = rows(300, 2);
    const parts = [all.slice(0, 100), all.slice(100, 250), all.slice(250)];
    const order: PageOrder = { sort: 'percent', order: 'desc' };
    const cmp = compareBy(order);
    const seen: string[] = [];
    for (let offset = 0; offset < 300; offset += 40) {
      const pages = parts.map((p) => ({ total: p.length, rows: [...p].sort((a, b) => cmp(rowSortKey(a), rowSortKey(b))).slice(0, offset + 40) }));
      seen.push(...mergePages(pages, order, offset, 40).rows.map((r) => r.agreementId));
    }
    expect(seen).toHaveLength(300);
    expect(new Set(seen).size).toBe(300);
  });
});

describe('matchesQuery', () => {
  it('a prefix of the msisdn or of the agreement id (any case); empty matches all', () => {
    expect(matchesQuery('', '48917846822', '0b12c601-9287-3f5c-a78c-df508fe0f889')).toBe(true);
    expect(matchesQuery('4891', '48917846822', '0b12c601-9287-3f5c-a78c-df508fe0f889')).toBe(true);
    expect(matchesQuery('0B12C6', '48917846822', '0b12c601-9287-3f5c-a78c-df508fe0f889')).toBe(true);
    expect(matchesQuery('917', '48917846822', '0b12c601-9287-3f5c-a78c-df508fe0f889')).toBe(false);
  });
});
