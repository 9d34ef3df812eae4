// The few java.time.ZonedDateTime operations the original's generators use, over an
// instant (epoch millis) and an IANA zone: plusSeconds is an instant step, plusMonths
// and minusDays are local-calendar steps resolved back in the zone like Java's
// ZonedDateTime.ofLocal(ldt, zone, previousOffset), and toString is Java's text.
import { isKnownTimeZone, zoneOffsetMs } from '@mobilecs/domain';

const DAY_MS = 86_400_000;

export interface LocalDateTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

function offsetAt(zone: string, instantMs: number): number {
  const offset = zoneOffsetMs(zone, instantMs);
  if (offset === undefined) throw new RangeError(`unknown IANA time zone "${zone}"`);
  return offset;
}

export function toLocal(instantMs: number, zone: string): LocalDateTime {
  const d = new Date(instantMs + offsetAt(zone, instantMs));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

function localMs(l: LocalDateTime): number {
  const d = new Date(0);
  d.setUTCFullYear(l.year, l.month - 1, l.day);
  d.setUTCHours(l.hour, l.minute, l.second, l.millisecond);
  return d.getTime();
}

/**
 * The instant of a local date-time in `zone`, as Java resolves it: the only valid
 * offset; in an overlap the preferred offset if valid, else the earlier one; in a gap
 * the local time is moved forward by the gap's length.
 */
export function fromLocal(local: LocalDateTime, zone: string, preferredOffsetMs?: number): number {
  const lm = localMs(local);
  const before = offsetAt(zone, lm - DAY_MS);
  const after = offsetAt(zone, lm + DAY_MS);
  const valid = [...new Set([before, after, offsetAt(zone, lm - before), offsetAt(zone, lm - after)])].filter(
    (o) => offsetAt(zone, lm - o) === o,
  );
  if (valid.length === 0) return lm - before; // gap: same instant as local + gap at the later offset
  if (preferredOffsetMs !== undefined && valid.includes(preferredOffsetMs)) return lm - preferredOffsetMs;
  return lm - Math.max(...valid);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** ZonedDateTime.plusMonths: same local time, day clamped to the month's length. */
export function plusMonths(instantMs: number, zone: string, months: number): number {
  const l = toLocal(instantMs, zone);
  const total = l.year * 12 + (l.month - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const day = Math.min(l.day, daysInMonth(year, month));
  return fromLocal({ ...l, year, month, day }, zone, offsetAt(zone, instantMs));
}

/** ZonedDateTime.plusDays (negative to subtract): same local time on another calendar day. */
export function plusDays(instantMs: number, zone: string, days: number): number {
  const l = toLocal(instantMs, zone);
  const d = new Date(Date.UTC(l.year, l.month - 1, l.day) + days * DAY_MS);
  return fromLocal({ ...l, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }, zone, offsetAt(zone, instantMs));
}

/** LocalDate.toString() of the instant in `zone`: yyyy-MM-dd. */
export function localDateText(instantMs: number, zone: string): string {
  const l = toLocal(instantMs, zone);
  return `${String(l.year).padStart(4, '0')}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
}

export function requireZone(zone: string): void {
  if (!isKnownTimeZone(zone)) throw new RangeError(`unknown IANA time zone "${zone}"`);
}
