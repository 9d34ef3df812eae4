// Timestamps as they appear in files and messages. Two accepted spellings:
//   ISO-8601 with an offset:   2020-01-01T23:00:00.000Z, 2020-01-02T00:00:00+01:00
//   Java's ZonedDateTime form: 2020-01-02T00:00+01:00[Europe/Warsaw]
// Seconds are optional (Java omits them when zero); the offset is mandatory, because a
// local time alone is ambiguous. Fractions are kept to the millisecond (truncated).
import { TimestampError } from './errors';
import { err, ok, type Result } from './result';
import { isKnownTimeZone, zoneOffsetMs } from './zone';

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}(?::\d{2})?)(?:\[([^\]]*)\])?$/;

const DAY_MS = 86_400_000;

/** Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function parseOffsetMs(text: string): number | undefined {
  if (text === 'Z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const [h = 0, m = 0, s = 0] = text.slice(1).split(':').map(Number);
  if (h > 18 || m > 59 || s > 59 || h * 3600 + m * 60 + s > 18 * 3600) return undefined;
  return sign * (h * 3600 + m * 60 + s) * 1000;
}

/**
 * Parses a timestamp to epoch milliseconds. With a bracketed zone id (Java's form) the
 * zone must be a known IANA zone and the offset must be that zone's offset at that
 * instant, as Java would have printed it.
 */
export function parseTimestamp(text: string): Result<number, TimestampError> {
  const m = TIMESTAMP.exec(text);
  if (!m) {
    return err(
      new TimestampError(
        'format',
        text,
        `"${text}" is not a timestamp: expected ISO-8601 with an offset (2020-01-02T00:00:00+01:00) or Java's form (2020-01-02T00:00+01:00[Europe/Warsaw])`,
      ),
    );
  }
  const [, ys, mos, ds, hs, mis, ss, frac, offsetText, zone] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = Number(mis);
  const second = Number(ss ?? 0);
  const millis = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return err(new TimestampError('invalid-date', text, `"${text}" is not a valid calendar date and time`));
  }
  const offsetMs = parseOffsetMs(offsetText ?? '');
  if (offsetMs === undefined) {
    return err(new TimestampError('format', text, `"${text}" has an impossible UTC offset "${offsetText}"`));
  }
  const localMs = daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  const instantMs = localMs - offsetMs;
  if (zone !== undefined) {
    if (!isKnownTimeZone(zone)) {
      return err(new TimestampError('unknown-zone', text, `"${text}" names an unknown time zone "${zone}"`));
    }
    const zoneOffset = zoneOffsetMs(zone, instantMs);
    if (zoneOffset !== offsetMs) {
      return err(
        new TimestampError(
          'offset-mismatch',
          text,
          `"${text}": ${zone} is at ${formatOffset(zoneOffset ?? 0)} at that instant, not ${offsetText}`,
        ),
      );
    }
  }
  return ok(instantMs);
}

/** ISO-8601 UTC with milliseconds, e.g. 2020-01-10T23:00:00.000Z (how we write instants). */
export function formatUtcTimestamp(instantMs: number): string {
  return new Date(instantMs).toISOString();
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Java's ZoneOffset.toString(): Z, +01:00, -03:30, +00:44:30. */
function formatOffset(offsetMs: number): string {
  if (offsetMs === 0) return 'Z';
  const total = Math.abs(offsetMs) / 1000;
  const h = Math.floor(total / 3600);
  const mi = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${offsetMs < 0 ? '-' : '+'}${pad(h)}:${pad(mi)}${s === 0 ? '' : `:${pad(s)}`}`;
}

/**
 * Java's ZonedDateTime.toString() for an instant in an IANA zone, e.g.
 * 2020-01-02T00:00+01:00[Europe/Warsaw]; seconds and millis are shown only when not zero.
 * Years 0–9999. Throws TimestampError for an unknown zone (a programming error).
 */
export function formatZonedTimestamp(instantMs: number, zone: string): string {
  const offsetMs = isKnownTimeZone(zone) ? zoneOffsetMs(zone, instantMs) : undefined;
  if (offsetMs === undefined) {
    throw new TimestampError('unknown-zone', zone, `unknown time zone "${zone}"`);
  }
  const local = new Date(instantMs + offsetMs);
  const sec = local.getUTCSeconds();
  const ms = local.getUTCMilliseconds();
  const time =
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}` +
    (sec !== 0 || ms !== 0 ? `:${pad(sec)}` : '') +
    (ms !== 0 ? `.${pad(ms, 3)}` : '');
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  return `${date}T${time}${formatOffset(offsetMs)}[${zone}]`;
}
