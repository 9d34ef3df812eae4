// The chart of a billing period: cumulative usage through the period, record by record,
// and the moment the plan was reached. Pure.

export interface CurvePoint {
  /** The record's recordedAt (epoch ms). */
  readonly at: number;
  readonly cumulativeBytes: bigint;
}

export interface UsageCurve {
  readonly points: CurvePoint[];
  readonly records: number;
  readonly totalBytes: bigint;
  /** recordedAt of the first record at which the cumulative usage reached the plan, or null. */
  readonly exceededAt: number | null;
}

/**
 * Records (any order) → the cumulative curve, oldest first, in at most `maxPoints`
 * points: evenly chosen, but always with the first, the exceed point and the last, so
 * the chart's exceed marker and end value are exact. Ties in time keep their order by
 * internal id (as Cassandra's clustering key would).
 */
export function usageCurve(records: readonly { recordedAt: number; internalRecordId: string; recordedBytes: bigint }[], planBytes: bigint, maxPoints = 500): UsageCurve {
  if (!Number.isInteger(maxPoints) || maxPoints < 3) throw new RangeError(`maxPoints ${maxPoints}: expected an integer ≥ 3`);
  const sorted = [...records].sort((a, b) => a.recordedAt - b.recordedAt || (a.internalRecordId < b.internalRecordId ? -1 : a.internalRecordId > b.internalRecordId ? 1 : 0));
  const all: CurvePoint[] = [];
  let total = 0n;
  let exceededIndex = -1;
  for (const r of sorted) {
    total += r.recordedBytes;
    if (exceededIndex < 0 && total >= planBytes) exceededIndex = all.length;
    all.push({ at: r.recordedAt, cumulativeBytes: total });
  }
  let points = all;
  if (all.length > maxPoints) {
    const keep = new Set<number>([0, all.length - 1]);
    if (exceededIndex >= 0) keep.add(exceededIndex);
    const step = (all.length - 1) / (maxPoints - keep.size);
    for (let x = step; keep.size < maxPoints && x < all.length - 1; x += step) keep.add(Math.round(x));
    points = [...keep].sort((a, b) => a - b).map((i) => all[i]!);
  }
  return { points, records: all.length, totalBytes: total, exceededAt: exceededIndex >= 0 ? all[exceededIndex]!.at : null };
}
