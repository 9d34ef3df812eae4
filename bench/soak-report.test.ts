import { describe, expect, it } from 'vitest';
import { chartData, linearSlope, perMinute, renderSoakSvg, type ServiceSample, type SoakSample } from './soak-report';

const MiB = 1024 * 1024;
const svc = (count: number, heapMiB: number, gcSeconds = 0, gcCount = 0, buckets: Record<string, number> = {}): ServiceSample => ({
  count,
  heap: heapMiB * MiB,
  rss: 0,
  gcSeconds,
  gcCount,
  gcBuckets: {
    '0.001': 0,
    '0.01': 0,
    '0.1': 0,
    '1': 0,
    '2': 0,
    '5': 0,
    ...buckets,
  },
  cpu: 0,
});

/** Two minutes sampled every 30 s: 1 000 records/s, then 2 000; heap 100 → 130 MiB. */
const samples: SoakSample[] = [0, 30, 60, 90, 120].map((t, i) => ({
  t,
  importer: svc(t * 1000, 50),
  ingester: svc(t <= 60 ? t * 1000 : 60_000 + (t - 60) * 2000, 100 + 10 * Math.min(i, 3), i * 0.05, i * 2, { '0.01': i, '0.1': i * 2 }),
}));

describe('soak report', () => {
  it('per minute: records/s from the samples at the minute bounds, files by the minute they landed, heap range, GC pause', () => {
    const rows = perMinute(
      samples,
      [
        { at: 10, latencyMs: 100 },
        { at: 50, latencyMs: 300 },
        { at: 70, latencyMs: null },
      ],
      2,
    );
    expect(rows.map((r) => r.recordsPerSecond)).toEqual([1000, 2000]);
    expect(rows.map((r) => [r.files, r.alertsMissing])).toEqual([
      [2, 0],
      [1, 1],
    ]);
    expect(rows[0]!.fileToAlertMs.max).toBeGreaterThanOrEqual(300);
    expect(rows[0]!.fileToAlertMs.p50).toBeLessThan(rows[0]!.fileToAlertMs.p99 + 1);
    expect(Number.isNaN(rows[1]!.fileToAlertMs.p99)).toBe(true);
    expect(rows.map((r) => r.ingesterHeapMiB)).toEqual([
      { min: 100, max: 110 },
      { min: 120, max: 130 },
    ]);
    expect(rows[0]!.ingesterGcPauseMs).toBe(100);
    // 4 pauses in the minute, 2 within 10 ms, all 4 within 100 ms.
    expect(rows[0]!.ingesterLongestGcBucketS).toBe(0.1);
  });

  it('slope of the heap: 0 for a flat series, the growth per minute otherwise', () => {
    expect(
      linearSlope([
        [1, 5],
        [2, 5],
        [3, 5],
      ]),
    ).toBe(0);
    expect(
      linearSlope([
        [1, 10],
        [2, 12],
        [3, 14],
      ]),
    ).toBeCloseTo(2);
    expect(linearSlope([[1, 10]])).toBe(0);
    expect(
      linearSlope([
        [1, Number.NaN],
        [2, 3],
        [3, 4],
      ]),
    ).toBeCloseTo(1);
  });

  it('chart data and the SVG: both services, every panel', async () => {
    const rows = perMinute(samples, [{ at: 10, latencyMs: 100 }], 2);
    const d = chartData(samples, rows);
    expect(d.rate.filter((x) => x.series.startsWith('ingester')).map((x) => x.value)).toEqual([1000, 1000, 2000, 2000]);
    expect(d.latency.map((x) => x.series)).toEqual(['p50', 'p99']);
    const svg = await renderSoakSvg({ samples, minutes: rows, recordsPerSecond: 1500 }, 'a test soak');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['a test soak', 'heap used (MiB)', 'GC pauses per minute (ms)', 'importer', 'ingester']) expect(svg).toContain(text);
  });
});
