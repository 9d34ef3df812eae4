// What the soak benchmark reports, from its samples: per-minute rows, the heap trend and
// the chart (vega-lite rendered to SVG without a browser). Pure but for the rendering.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { build as buildHistogram } from 'hdr-histogram-js';

export interface ServiceSample {
  /** The service's own counter: records published (importer) / matched (ingester). */
  count: number;
  heap: number;
  rss: number;
  gcSeconds: number;
  gcCount: number;
  /** Cumulative GC pause counts per histogram bucket (le, seconds). */
  gcBuckets: Record<string, number>;
  cpu: number;
}

export interface SoakSample {
  /** Seconds since the soak started. */
  t: number;
  importer: ServiceSample;
  ingester: ServiceSample;
}

export interface SoakFile {
  /** Seconds since the soak started when the file landed. */
  at: number;
  /** Rename → DATA_PLAN_EXCEEDED at the consumer; null if it never came. */
  latencyMs: number | null;
}

export interface MinuteRow {
  minute: number;
  recordsPerSecond: number;
  files: number;
  alertsMissing: number;
  fileToAlertMs: { p50: number; p99: number; max: number };
  ingesterHeapMiB: { min: number; max: number };
  importerHeapMiB: { min: number; max: number };
  ingesterGcPauseMs: number;
  importerGcPauseMs: number;
  /** The smallest GC histogram bucket (s) that holds every ingester pause of the minute; null: none. */
  ingesterLongestGcBucketS: number | null;
}

const MiB = 1024 * 1024;
const r1 = (x: number) => Math.round(x * 10) / 10;

/** The last sample at or before second t (the first one if none). */
function at(samples: readonly SoakSample[], t: number): SoakSample {
  let found = samples[0]!;
  for (const s of samples) if (s.t <= t) found = s;
  return found;
}

/** Rows per minute of the soak (minute m covers seconds [60(m−1), 60m)). */
export function perMinute(samples: readonly SoakSample[], files: readonly SoakFile[], minutes: number): MinuteRow[] {
  if (samples.length === 0) return [];
  const rows: MinuteRow[] = [];
  for (let m = 1; m <= minutes; m++) {
    const from = at(samples, 60 * (m - 1));
    const to = at(samples, 60 * m);
    const inside = samples.filter((s) => s.t >= 60 * (m - 1) && s.t < 60 * m);
    const heap = (pick: (s: SoakSample) => number) =>
      inside.length
        ? {
            min: r1(Math.min(...inside.map(pick)) / MiB),
            max: r1(Math.max(...inside.map(pick)) / MiB),
          }
        : { min: Number.NaN, max: Number.NaN };
    const mine = files.filter((f) => f.at >= 60 * (m - 1) && f.at < 60 * m);
    const h = buildHistogram({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 600_000,
      numberOfSignificantValueDigits: 3,
    });
    for (const f of mine) if (f.latencyMs !== null) h.recordValue(Math.max(1, f.latencyMs));
    const pauses = to.ingester.gcCount - from.ingester.gcCount;
    const bucket =
      pauses === 0
        ? null
        : (Object.keys(to.ingester.gcBuckets)
            .map(Number)
            .sort((a, b) => a - b)
            .find((le) => to.ingester.gcBuckets[String(le)]! - (from.ingester.gcBuckets[String(le)] ?? 0) >= pauses) ?? Number.POSITIVE_INFINITY);
    rows.push({
      minute: m,
      recordsPerSecond: to.t > from.t ? Math.round((to.ingester.count - from.ingester.count) / (to.t - from.t)) : 0,
      files: mine.length,
      alertsMissing: mine.filter((f) => f.latencyMs === null).length,
      fileToAlertMs: h.totalCount
        ? {
            p50: h.getValueAtPercentile(50),
            p99: h.getValueAtPercentile(99),
            max: h.maxValue,
          }
        : { p50: Number.NaN, p99: Number.NaN, max: Number.NaN },
      ingesterHeapMiB: heap((s) => s.ingester.heap),
      importerHeapMiB: heap((s) => s.importer.heap),
      ingesterGcPauseMs: Math.round((to.ingester.gcSeconds - from.ingester.gcSeconds) * 1000),
      importerGcPauseMs: Math.round((to.importer.gcSeconds - from.importer.gcSeconds) * 1000),
      ingesterLongestGcBucketS: bucket,
    });
  }
  return rows;
}

/** Least-squares slope of y over x (0 with fewer than two points). */
export function linearSlope(points: readonly (readonly [number, number])[]): number {
  const ps = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (ps.length < 2) return 0;
  const n = ps.length;
  const mx = ps.reduce((a, [x]) => a + x, 0) / n;
  const my = ps.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = ps.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : ps.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
}

/** The chart's data: records/s between samples, heap over time, latency and GC per minute. */
export function chartData(samples: readonly SoakSample[], minutes: readonly MinuteRow[]) {
  const rate: { t: number; series: string; value: number }[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const dt = b.t - a.t;
    if (dt <= 0) continue;
    rate.push({
      t: b.t / 60,
      series: 'ingester (matched)',
      value: Math.round((b.ingester.count - a.ingester.count) / dt),
    });
    rate.push({
      t: b.t / 60,
      series: 'importer (published)',
      value: Math.round((b.importer.count - a.importer.count) / dt),
    });
  }
  const heap = samples.flatMap((s) => [
    { t: s.t / 60, series: 'ingester', value: r1(s.ingester.heap / MiB) },
    { t: s.t / 60, series: 'importer', value: r1(s.importer.heap / MiB) },
  ]);
  const latency = minutes
    .filter((m) => Number.isFinite(m.fileToAlertMs.p99))
    .flatMap((m) => [
      { minute: m.minute, series: 'p50', value: m.fileToAlertMs.p50 },
      { minute: m.minute, series: 'p99', value: m.fileToAlertMs.p99 },
    ]);
  const gc = minutes.flatMap((m) => [
    { minute: m.minute, series: 'ingester', value: m.ingesterGcPauseMs },
    { minute: m.minute, series: 'importer', value: m.importerGcPauseMs },
  ]);
  return { rate, heap, latency, gc };
}

/** The soak's four panels as one SVG. */
export async function renderSoakSvg(
  result: {
    samples: readonly SoakSample[];
    minutes: readonly MinuteRow[];
    recordsPerSecond: number;
  },
  title: string,
): Promise<string> {
  const d = chartData(result.samples, result.minutes);
  const width = 640;
  const height = 140;
  const color = { field: 'series', type: 'nominal', title: null } as const;
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    config: { font: 'sans-serif', view: { stroke: '#ddd' }, legend: { orient: 'top', direction: 'horizontal', labelLimit: 400 } },
    resolve: { scale: { color: 'independent' } },
    vconcat: [
      {
        title: 'records/s (every sample interval); dashed: the rate files were dropped at',
        width,
        height,
        layer: [
          {
            data: { values: d.rate },
            mark: { type: 'line', interpolate: 'monotone' },
            encoding: {
              x: { field: 't', type: 'quantitative', title: 'minutes' },
              y: { field: 'value', type: 'quantitative', title: 'records/s' },
              color,
            },
          },
          {
            data: { values: [{ v: result.recordsPerSecond }] },
            mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
            encoding: { y: { field: 'v', type: 'quantitative' } },
          },
        ],
      },
      {
        title: 'file lands → DATA_PLAN_EXCEEDED, per minute (ms)',
        width,
        height,
        data: { values: d.latency },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'minute', type: 'quantitative', title: 'minute' },
          y: { field: 'value', type: 'quantitative', title: 'ms' },
          color,
        },
      },
      {
        title: 'heap used (MiB)',
        width,
        height,
        data: { values: d.heap },
        mark: 'line',
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'minutes' },
          y: { field: 'value', type: 'quantitative', title: 'MiB' },
          color,
        },
      },
      {
        title: 'GC pauses per minute (ms)',
        width,
        height,
        data: { values: d.gc },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'minute', type: 'quantitative', title: 'minute' },
          y: { field: 'value', type: 'quantitative', title: 'ms' },
          color,
        },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), {
    renderer: 'none',
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
