// The cumulative-usage chart's data, prepared apart from the drawing so it can be tested:
// uPlot's column arrays (x in seconds), the plan, and the index of the exceed moment.
import { bytesToNumber } from './bytes';
import type { ExactInt } from './exact-json';
import type { CurvePoint } from './types';

export interface ChartData {
  /** Seconds since the epoch, ascending. */
  xs: number[];
  /** Cumulative bytes at each x (floats: for drawing only). */
  cumulative: number[];
  /** null everywhere but at the exceed moment, where it is the cumulative bytes (the marked point). */
  marker: (number | null)[];
  plan: number;
  exceededIndex: number | null;
  /** The x range: the whole period, so the plan line spans it even when few records exist yet. */
  xMin: number;
  xMax: number;
  /** Top of the y range: above both the usage and the plan. */
  yMax: number;
}

function seconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

/**
 * The period starts at 0 bytes: a point at its start is added when the first record comes
 * later, so the curve climbs from the period's beginning. The exceed point is the curve's
 * point at `exceededAt` (the API keeps it exact); failing that (an older answer), the first
 * point at or above the plan.
 */
export function prepareChartData(
  curve: readonly CurvePoint[],
  plan: ExactInt,
  exceededAt: string | null,
  period: { start: string; end: string },
): ChartData {
  const points = curve
    .map((p) => ({ x: seconds(p.at), y: bytesToNumber(p.cumulativeBytes), exactY: p.cumulativeBytes }))
    .filter((p) => Number.isFinite(p.x))
    .sort((a, b) => a.x - b.x);
  const start = seconds(period.start);
  const end = seconds(period.end);
  const xMin = Number.isFinite(start) ? start : (points[0]?.x ?? 0);
  const xMax = Number.isFinite(end) ? end : (points.at(-1)?.x ?? xMin + 1);
  const first = points[0];
  if (Number.isFinite(start) && (first === undefined || first.x > start)) points.unshift({ x: start, y: 0, exactY: 0 });

  const planNumber = bytesToNumber(plan);
  const planBig = typeof plan === 'bigint' ? plan : BigInt(plan);
  let exceededIndex: number | null = null;
  if (exceededAt !== null) {
    const at = seconds(exceededAt);
    const i = points.findIndex((p) => p.x === at);
    exceededIndex = i >= 0 ? i : points.findIndex((p) => (typeof p.exactY === 'bigint' ? p.exactY : BigInt(p.exactY)) >= planBig);
    if (exceededIndex < 0) exceededIndex = null;
  }
  const cumulative = points.map((p) => p.y);
  const top = Math.max(planNumber, ...cumulative, 1);
  return {
    xs: points.map((p) => p.x),
    cumulative,
    marker: points.map((p, i) => (i === exceededIndex ? p.y : null)),
    plan: planNumber,
    exceededIndex,
    xMin,
    xMax: Math.max(xMax, xMin + 1),
    yMax: top * 1.08,
  };
}

const AXIS_UNITS = [1, 1024, 1024 ** 2, 1024 ** 3];
const NICE = [1, 2, 2.5, 5, 10];

/**
 * Y-axis ticks at round amounts of the unit the axis reaches ("1 GB, 2 GB, …", not
 * "953.7 MB"): about `target` steps of 1, 2, 2.5 or 5 × 10^n of that unit, from 0 to max.
 */
export function byteAxisSplits(max: number, target = 6): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0];
  const unit = [...AXIS_UNITS].reverse().find((u) => max >= u) ?? 1;
  const raw = max / unit / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const nice = NICE.find((n) => n * magnitude >= raw) ?? 10;
  // Whole bytes: below 1 B steps would repeat labels.
  const step = Math.max(1, nice * magnitude * unit);
  const splits: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) splits.push(v);
  return splits;
}
