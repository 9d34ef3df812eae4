import { describe, expect, it } from 'vitest';
import { formatUtcTimestamp, formatZonedTimestamp, parseTimestamp } from './timestamp';
import { isKnownTimeZone, zoneOffsetMs } from './zone';

const ms = (text: string): number => {
  const r = parseTimestamp(text);
  if (!r.ok) throw r.error;
  return r.value;
};
const reason = (text: string): string => {
  const r = parseTimestamp(text);
  return r.ok ? 'ok' : r.error.reason;
};

describe('parseTimestamp', () => {
  it("reads Java's zoned form, seconds omitted", () => {
    expect(ms('2020-01-02T00:00+01:00[Europe/Warsaw]')).toBe(Date.UTC(2020, 0, 1, 23));
  });

  it('reads ISO-8601 with Z, with an offset, with millis and with nanos (truncated to millis)', () => {
    expect(ms('2020-01-10T23:00:00.000Z')).toBe(Date.UTC(2020, 0, 10, 23));
    expect(ms('2020-01-11T00:00:00+01:00')).toBe(Date.UTC(2020, 0, 10, 23));
    expect(ms('2020-01-11T00:00:01.5+01:00')).toBe(Date.UTC(2020, 0, 10, 23, 0, 1, 500));
    expect(ms('2020-01-11T00:00:01.123456789Z')).toBe(Date.UTC(2020, 0, 11, 0, 0, 1, 123));
    expect(ms('2020-01-11T00:00Z[UTC]')).toBe(Date.UTC(2020, 0, 11));
  });

  it('reads both sides of the Warsaw autumn overlap by their offsets', () => {
    expect(ms('2020-10-25T02:30+02:00[Europe/Warsaw]')).toBe(Date.UTC(2020, 9, 25, 0, 30));
    expect(ms('2020-10-25T02:30+01:00[Europe/Warsaw]')).toBe(Date.UTC(2020, 9, 25, 1, 30));
  });

  it('reads half-hour and historical second offsets', () => {
    expect(ms('2020-04-01T00:00-02:30[America/St_Johns]')).toBe(Date.UTC(2020, 3, 1, 2, 30));
    expect(ms('2020-01-01T00:00+05:30[Asia/Kolkata]')).toBe(Date.UTC(2019, 11, 31, 18, 30));
    expect(ms('1960-01-01T00:00-00:44:30[Africa/Monrovia]')).toBe(Date.UTC(1960, 0, 1, 0, 44, 30));
  });

  it('handles years before 100 and leap days', () => {
    expect(ms('0050-03-01T00:00Z')).toBe(new Date('0050-03-01T00:00:00Z').getTime());
    expect(ms('2020-02-29T12:00Z')).toBe(Date.UTC(2020, 1, 29, 12));
    expect(ms('2000-02-29T12:00Z')).toBe(Date.UTC(2000, 1, 29, 12));
  });

  it.each([
    ['', 'format'],
    ['2020-01-02', 'format'],
    ['2020-01-02T00:00', 'format'], // no offset: ambiguous
    ['2020-01-02T00:00[Europe/Warsaw]', 'format'],
    ['2020-01-02 00:00Z', 'format'],
    [' 2020-01-02T00:00Z', 'format'],
    ['2020-01-02T00:00+0100', 'format'],
    ['2020-01-02T00:00+19:00', 'format'],
    ['2020-01-02T00:00+18:30', 'format'],
    ['2020-02-30T00:00Z', 'invalid-date'],
    ['2019-02-29T00:00Z', 'invalid-date'],
    ['1900-02-29T00:00Z', 'invalid-date'],
    ['2020-13-01T00:00Z', 'invalid-date'],
    ['2020-00-01T00:00Z', 'invalid-date'],
    ['2020-04-31T00:00Z', 'invalid-date'],
    ['2020-01-01T24:00Z', 'invalid-date'],
    ['2020-01-01T23:60Z', 'invalid-date'],
    ['2020-01-01T23:59:60Z', 'invalid-date'],
    ['2020-01-02T00:00+01:00[Europe/Warsow]', 'unknown-zone'],
    ['2020-01-02T00:00+01:00[europe/warsaw]', 'unknown-zone'],
    ['2020-01-02T00:00+01:00[+01:00]', 'unknown-zone'],
    ['2020-01-02T00:00+01:00[]', 'unknown-zone'],
    ['2020-01-02T00:00+02:00[Europe/Warsaw]', 'offset-mismatch'],
    ['2020-03-29T02:30+01:00[Europe/Warsaw]', 'offset-mismatch'], // in the spring gap
    ['2020-07-01T00:00+01:00[Europe/Warsaw]', 'offset-mismatch'], // summer is +02:00
  ])('rejects %j as %s', (text, why) => {
    expect(reason(text)).toBe(why);
  });

  it('says what is wrong in the message', () => {
    const r = parseTimestamp('2020-01-02T00:00+02:00[Europe/Warsaw]');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('Europe/Warsaw is at +01:00');
  });
});

describe('formatting', () => {
  it('writes ISO-8601 UTC with millis', () => {
    expect(formatUtcTimestamp(Date.UTC(2020, 0, 10, 23))).toBe('2020-01-10T23:00:00.000Z');
  });

  it("writes Java's ZonedDateTime.toString()", () => {
    expect(formatZonedTimestamp(Date.UTC(2020, 0, 1, 23), 'Europe/Warsaw')).toBe('2020-01-02T00:00+01:00[Europe/Warsaw]');
    expect(formatZonedTimestamp(Date.UTC(2020, 2, 29, 1, 0, 5), 'Europe/Warsaw')).toBe('2020-03-29T03:00:05+02:00[Europe/Warsaw]');
    expect(formatZonedTimestamp(Date.UTC(2020, 0, 1, 0, 0, 0, 7), 'UTC')).toBe('2020-01-01T00:00:00.007Z[UTC]');
    expect(formatZonedTimestamp(Date.UTC(2020, 3, 1, 2, 30), 'America/St_Johns')).toBe('2020-04-01T00:00-02:30[America/St_Johns]');
    expect(formatZonedTimestamp(Date.UTC(1960, 0, 1, 0, 44, 30), 'Africa/Monrovia')).toBe('1960-01-01T00:00-00:44:30[Africa/Monrovia]');
  });

  it('round-trips through parseTimestamp', () => {
    for (const zone of ['Europe/Warsaw', 'Asia/Kolkata', 'Pacific/Apia', 'America/St_Johns', 'UTC']) {
      for (const t of [Date.UTC(2011, 11, 30, 12), Date.UTC(2020, 9, 25, 0, 30), Date.UTC(2020, 9, 25, 1, 30, 1, 1)]) {
        expect(ms(formatZonedTimestamp(t, zone))).toBe(t);
      }
    }
  });

  it('refuses an unknown zone with a typed error', () => {
    expect(() => formatZonedTimestamp(0, 'Mars/Olympus')).toThrow(/unknown time zone/);
  });
});

describe('zones', () => {
  it('knows IANA ids and nothing else', () => {
    expect(isKnownTimeZone('Europe/Warsaw')).toBe(true);
    expect(isKnownTimeZone('America/Port-au-Prince')).toBe(true);
    expect(isKnownTimeZone('Etc/GMT+5')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
    expect(isKnownTimeZone('+01:00')).toBe(false);
    expect(zoneOffsetMs('Mars/Olympus', 0)).toBeUndefined();
    expect(zoneOffsetMs('+01:00', 0)).toBeUndefined();
    expect(zoneOffsetMs('UTC', 0)).toBe(0);
    expect(zoneOffsetMs('Asia/Kolkata', 0)).toBe(5.5 * 3600_000);
  });
});
