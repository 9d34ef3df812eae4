// The billing period: the calendar month, in the agreement's IANA zone, containing an
// instant: [1st 00:00 local, 1st of next month 00:00 local). One rule for both the
// Cassandra partition (year, month) and the window. Calendar maths goes through
// TZDate from @date-fns/tz, which computes in the named zone whatever the host's TZ is.
import { TZDate } from '@date-fns/tz';
import { isKnownTimeZone, TimestampError } from '@mobilecs/domain';

export interface BillingPeriod {
  readonly zone: string;
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  /** First instant of the month: the 1st at 00:00 local (or the end of a DST gap there). */
  readonly startMs: number;
  /** Exclusive end: the first instant of the next month. */
  readonly endMs: number;
}

function requireZone(zone: string): void {
  if (!isKnownTimeZone(zone)) throw new TimestampError('unknown-zone', zone, `unknown IANA time zone "${zone}"`);
}

/**
 * First instant of a local calendar month. Like Java's LocalDate.atStartOfDay(zone):
 * in a DST gap at midnight the month starts at the end of the gap, in an overlap at
 * the earlier of the two midnights (TZDate resolves both that way).
 */
function monthStartMs(zone: string, year: number, month: number): number {
  return new TZDate(year, month - 1, 1, 0, 0, 0, 0, zone).getTime();
}

// Periods are immutable facts of the tz database: memoise them (bounded) and remember the
// last period per zone, so the common case (records of the current month) skips TZDate.
const MAX_CACHED = 10_000;
const cache = new Map<string, BillingPeriod>();
const lastByZone = new Map<string, BillingPeriod>();

function of(zone: string, year: number, month: number): BillingPeriod {
  const key = `${zone}|${year}-${month}`;
  const cached = cache.get(key);
  if (cached) return cached;
  requireZone(zone);
  const nextYear = month === 12 ? year + 1 : year;
  const nextMonth = month === 12 ? 1 : month + 1;
  const period = Object.freeze({ zone, year, month, startMs: monthStartMs(zone, year, month), endMs: monthStartMs(zone, nextYear, nextMonth) });
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, period);
  return period;
}

function containing(instantMs: number, zone: string): BillingPeriod {
  const last = lastByZone.get(zone);
  if (last && instantMs >= last.startMs && instantMs < last.endMs) return last;
  requireZone(zone);
  const local = new TZDate(instantMs, zone);
  const period = of(zone, local.getFullYear(), local.getMonth() + 1);
  if (lastByZone.size >= MAX_CACHED) lastByZone.clear();
  lastByZone.set(zone, period);
  return period;
}

export const BillingPeriod = {
  /** The billing period in `zone` containing `instantMs`. Throws TimestampError for an unknown zone. */
  containing,
  /** The billing period `year`-`month` in `zone`. */
  of,
} as const;
