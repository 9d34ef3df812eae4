import { describe, expect, it } from 'vitest';
import { usageCurve } from './usage-curve';

const rec = (day: number, bytes: bigint, id = 'a') => ({ recordedAt: Date.UTC(2020, 0, day), internalRecordId: id, recordedBytes: bytes });

describe('usageCurve', () => {
  it('cumulative, oldest first, whatever the input order; the exceed moment is the first record at or over the plan', () => {
    const c = usageCurve([rec(3, 5n), rec(1, 4n), rec(2, 1n)], 5n);
    expect(c.points.map((p) => [new Date(p.at).getUTCDate(), p.cumulativeBytes])).toEqual([
      [1, 4n],
      [2, 5n],
      [3, 10n],
    ]);
    expect(c.exceededAt).toBe(Date.UTC(2020, 0, 2));
    expect(c.totalBytes).toBe(10n);
    expect(usageCurve([rec(1, 4n)], 5n).exceededAt).toBeNull();
    expect(usageCurve([], 5n)).toEqual({ points: [], records: 0, totalBytes: 0n, exceededAt: null });
  });

  it('exact beyond 2^53', () => {
    const big = 2n ** 62n;
    expect(usageCurve([rec(1, big), rec(2, big - 1n)], 2n ** 63n - 1n).points.at(-1)?.cumulativeBytes).toBe(2n ** 63n - 1n);
  });

  it('down-sampled to maxPoints, keeping the first, the exceed point and the last exactly', () => {
    const records = Array.from({ length: 10_000 }, (_, i) => ({ recordedAt: i * 1000, internalRecordId: String(i).padStart(5, '0'), recordedBytes: 1n }));
    const c = usageCurve(records, 4321n, 500);
    expect(c.points.length).toBeLessThanOrEqual(500);
    expect(c.points.length).toBeGreaterThan(450);
    expect(c.points[0]).toEqual({ at: 0, cumulativeBytes: 1n });
    expect(c.points.at(-1)).toEqual({ at: 9_999_000, cumulativeBytes: 10_000n });
    expect(c.points).toContainEqual({ at: 4320 * 1000, cumulativeBytes: 4321n });
    expect(c.exceededAt).toBe(4320 * 1000);
    const ats = c.points.map((p) => p.at);
    expect([...ats].sort((a, b) => a - b)).toEqual(ats);
  });
});
