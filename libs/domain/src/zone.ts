// IANA zone checks and offsets straight from Intl (ICU's tz data). Kept exact to the
// second: @date-fns/tz's tzOffset works in minutes and flips the sign of offsets
// like -00:44:30 (Africa/Monrovia before 1972), which would break offset validation.

// Region ids such as Europe/Warsaw, America/Port-au-Prince, Etc/GMT+5, UTC. Rejects
// offsets ("+01:00", which Intl also accepts in newer engines) and wrong letter case.
const ZONE_ID = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z][A-Za-z0-9_+-]*)*$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function offsetFormatter(zone: string): Intl.DateTimeFormat | undefined {
  const cached = formatters.get(zone);
  if (cached) return cached;
  try {
    const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    formatters.set(zone, f);
    return f;
  } catch {
    return undefined; // RangeError: unknown zone
  }
}

/** True when `zone` is an IANA zone id known to this runtime. */
export function isKnownTimeZone(zone: string): boolean {
  return ZONE_ID.test(zone) && offsetFormatter(zone) !== undefined;
}

const LONG_OFFSET = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * Offset of `zone` from UTC at `instantMs`, in milliseconds (east positive), or
 * undefined if the zone is unknown.
 */
export function zoneOffsetMs(zone: string, instantMs: number): number | undefined {
  if (!ZONE_ID.test(zone)) return undefined;
  const f = offsetFormatter(zone);
  if (!f) return undefined;
  const m = LONG_OFFSET.exec(f.format(instantMs));
  /* v8 ignore next */
  if (!m) return undefined; // ICU always answers "GMT" or "GMT±hh:mm[:ss]"
  if (m[1] === undefined) return 0;
  const sign = m[1] === '-' ? -1 : 1;
  return sign * ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4] ?? 0)) * 1000;
}
