import { describe, expect, it } from 'vitest';
import { byteAxisSplits, prepareChartData } from './chart-data';

const january = { start: '2019-12-31T23:00:00.000Z', end: '2020-01-31T23:00:00.000Z' };
const s = (iso: string) => Date.parse(iso) / 1000;
const GB = 1024 ** 3;

describe('prepareChartData', () => {
  const curve = [
    { at: '2020-01-02T23:00:00.000Z', cumulativeBytes: 3 * GB },
    { at: '2020-01-01T23:00:00.000Z', cumulativeBytes: 1 * GB },
    { at: '2020-01-03T23:00:00.000Z', cumulativeBytes: 6 * GB },
    { at: '2020-01-04T23:00:00.000Z', cumulativeBytes: 7 * GB },
  ];

  it('sorts the curve, starts it at 0 at the period start and spans the period', () => {
    const d = prepareChartData(curve, 5 * GB, null, january);
    expect(d.xs).toEqual([s(january.start), s('2020-01-01T23:00:00Z'), s('2020-01-02T23:00:00Z'), s('2020-01-03T23:00:00Z'), s('2020-01-04T23:00:00Z')]);
    expect(d.cumulative).toEqual([0, GB, 3 * GB, 6 * GB, 7 * GB]);
    expect(d.xMin).toBe(s(january.start));
    expect(d.xMax).toBe(s(january.end));
    expect(d.plan).toBe(5 * GB);
    expect(d.yMax).toBeGreaterThan(7 * GB);
  });

  it('marks the point at exceededAt, and only it', () => {
    const d = prepareChartData(curve, 5 * GB, '2020-01-03T23:00:00.000Z', january);
    expect(d.exceededIndex).toBe(3);
    expect(d.marker).toEqual([null, null, null, 6 * GB, null]);
  });

  it('falls back to the first point at or above the plan when exceededAt is not a curve point', () => {
    const d = prepareChartData(curve, 3 * GB, '2020-01-02T12:00:00.000Z', january);
    expect(d.exceededIndex).toBe(2);
  });

  it('marks nothing when not exceeded', () => {
    const d = prepareChartData(curve, 50 * GB, null, january);
    expect(d.exceededIndex).toBeNull();
    expect(d.marker.every((m) => m === null)).toBe(true);
    expect(d.yMax).toBeGreaterThan(50 * GB); // the plan line stays in view
  });

  it('compares with the plan exactly beyond 2^53', () => {
    const plan = 2n ** 60n + 1n;
    const d = prepareChartData(
      [
        { at: '2020-01-01T23:00:00.000Z', cumulativeBytes: 2n ** 60n },
        { at: '2020-01-02T23:00:00.000Z', cumulativeBytes: 2n ** 60n + 1n },
      ],
      plan,
      '2020-01-02T12:00:00.000Z',
      january,
    );
    // 2^60 and 2^60 + 1 are the same float; only the exact comparison picks the second.
    expect(d.exceededIndex).toBe(2);
  });

  it('keeps an empty period drawable: the start at 0 and the plan in range', () => {
    const d = prepareChartData([], 5 * GB, null, january);
    expect(d.xs).toEqual([s(january.start)]);
    expect(d.cumulative).toEqual([0]);
    expect(d.xMax).toBeGreaterThan(d.xMin);
  });

  it('does not add a start point when the first record is at the start', () => {
    const d = prepareChartData([{ at: january.start, cumulativeBytes: 10 }], 100, null, january);
    expect(d.xs).toHaveLength(1);
  });
});

describe('byteAxisSplits', () => {
  it('steps by round amounts of the largest unit reached', () => {
    expect(byteAxisSplits(5.4 * GB)).toEqual([0, 1, 2, 3, 4, 5].map((n) => n * GB));
    expect(byteAxisSplits(13.6 * GB)).toEqual([0, 2.5, 5, 7.5, 10, 12.5].map((n) => n * GB));
    expect(byteAxisSplits(700 * 1024 ** 2)).toEqual([0, 200, 400, 600].map((n) => n * 1024 ** 2));
  });
  it('handles tiny and empty ranges', () => {
    expect(byteAxisSplits(3)).toEqual([0, 1, 2, 3]);
    expect(byteAxisSplits(0)).toEqual([0]);
    expect(byteAxisSplits(Number.NaN)).toEqual([0]);
  });
});
