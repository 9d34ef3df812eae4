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
