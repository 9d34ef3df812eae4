// Byte counts are formatted from bigint, so totals beyond 2^53 stay exact. Units are binary
// (1 KB = 1024 B) and rounded half up, as the REST API's total-data-used gives them.
import { type ExactInt, toBigInt } from './exact-json';

export const UNITS = ['B', 'KB', 'MB', 'GB'] as const;
export type Unit = (typeof UNITS)[number];

const FACTOR: Record<Unit, bigint> = { B: 1n, KB: 1024n, MB: 1024n ** 2n, GB: 1024n ** 3n };

/** n / d rounded half up (away from zero at .5), like Java's BigDecimal HALF_UP. */
export function divideHalfUp(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const negative = n < 0n;
  const a = negative ? -n : n;
  const q = (2n * (a % d) >= d ? 1n : 0n) + a / d;
  return negative ? -q : q;
}

/** The four totals of the REST API's total-data-used: B, KB, MB, GB, each rounded half up. */
export function totalInUnits(bytes: ExactInt): Record<Unit, bigint> {
  const b = toBigInt(bytes);
  return { B: b, KB: divideHalfUp(b, FACTOR.KB), MB: divideHalfUp(b, FACTOR.MB), GB: divideHalfUp(b, FACTOR.GB) };
}

/**
 * A short human form: the largest unit the amount reaches, one decimal rounded half up
 * ("512 B", "1.5 KB", "12.6 GB"); GB for everything from 1 GB up, so very large counts read
 * "8589934592.0 GB" rather than switching to units the API never uses.
 */
export function formatBytes(bytes: ExactInt): string {
  const b = toBigInt(bytes);
  const a = b < 0n ? -b : b;
  const unit: Unit = a >= FACTOR.GB ? 'GB' : a >= FACTOR.MB ? 'MB' : a >= FACTOR.KB ? 'KB' : 'B';
  if (unit === 'B') return `${b} B`;
  const tenths = divideHalfUp(b * 10n, FACTOR[unit]);
  const sign = tenths < 0n ? '-' : '';
  const t = tenths < 0n ? -tenths : tenths;
  return `${sign}${t / 10n}.${t % 10n} ${unit}`;
}

/** A plot coordinate (a float is fine for drawing; the exact value is shown as text). */
export function bytesToNumber(bytes: ExactInt): number {
  return typeof bytes === 'bigint' ? Number(bytes) : bytes;
}

/** Percent of the plan with one decimal, as the listing gives it ("104.3 %"). */
export function formatPercent(percent: number | null | undefined): string {
  // A plan of 0 B has no percentage; an older answer may lack the field.
  if (typeof percent !== 'number' || !Number.isFinite(percent)) return '—';
  return `${percent.toFixed(1)} %`;
}

/** Width of a bar of % of plan: 0…100 (an exceeded plan fills the bar). */
export function barWidth(percent: number | null | undefined): number {
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent <= 0) return 0;
  return Math.min(100, percent);
}
