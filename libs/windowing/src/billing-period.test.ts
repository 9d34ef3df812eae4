// Runs under any host TZ; `npm test` is also run with TZ=UTC and TZ=America/New_York.
import { describe, expect, it } from 'vitest';
import { BillingPeriod } from './billing-period';

const iso = (ms: number): string => new Date(ms).toISOString();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function period(instant: string, zone: string) {
  const p = BillingPeriod.containing(Date.parse(instant), zone);
  return { year: p.year, month: p.month, start: iso(p.startMs), end: iso(p.endMs), days: (p.endMs - p.startMs) / DAY };
}

describe('BillingPeriod', () => {
  it('is the calendar month in the zone, end exclusive (seed example, Europe/Warsaw)', () => {
    expect(period('2020-01-10T23:00:00Z', 'Europe/Warsaw')).toEqual({
      year: 2020,
      month: 1,
      start: '2019-12-31T23:00:00.000Z',
      end: '2020-01-31T23:00:00.000Z',
      days: 31,
    });
    expect(BillingPeriod.of('Europe/Warsaw', 2020, 1).endMs - 1).toBe(1580511599999);
  });

  it('puts the last millisecond of a month and the first of the next on either side', () => {
    const jan = BillingPeriod.of('Europe/Warsaw', 2020, 1);
    expect(BillingPeriod.containing(jan.endMs - 1, 'Europe/Warsaw').month).toBe(1);
    expect(BillingPeriod.containing(jan.endMs, 'Europe/Warsaw').month).toBe(2);
    expect(BillingPeriod.containing(jan.startMs, 'Europe/Warsaw').month).toBe(1);
    expect(BillingPeriod.containing(jan.startMs - 1, 'Europe/Warsaw')).toMatchObject({ year: 2019, month: 12 });
  });

  it('a UTC instant in the previous UTC month can belong to the next local month', () => {
    expect(period('2020-01-31T23:30:00Z', 'Europe/Warsaw')).toMatchObject({ year: 2020, month: 2 });
    expect(period('2020-01-31T23:30:00Z', 'UTC')).toMatchObject({ year: 2020, month: 1 });
  });

  it('Warsaw March 2020 is one hour short (DST starts 29 March at 02:00)', () => {
    const p = BillingPeriod.of('Europe/Warsaw', 2020, 3);
    expect(iso(p.startMs)).toBe('2020-02-29T23:00:00.000Z');
    expect(iso(p.endMs)).toBe('2020-03-31T22:00:00.000Z');
    expect(p.endMs - p.startMs).toBe(31 * DAY - HOUR);
    // Records either side of the jump stay in March.
    expect(period('2020-03-29T00:59:59.999Z', 'Europe/Warsaw').month).toBe(3);
    expect(period('2020-03-29T01:00:00Z', 'Europe/Warsaw').month).toBe(3);
  });

  it('Warsaw October 2020 is one hour long (DST ends 25 October at 03:00)', () => {
    const p = BillingPeriod.of('Europe/Warsaw', 2020, 10);
    expect(iso(p.startMs)).toBe('2020-09-30T22:00:00.000Z');
    expect(iso(p.endMs)).toBe('2020-10-31T23:00:00.000Z');
    expect(p.endMs - p.startMs).toBe(31 * DAY + HOUR);
    // Both 02:30s of the repeated hour are in October.
    expect(period('2020-10-25T00:30:00Z', 'Europe/Warsaw').month).toBe(10);
    expect(period('2020-10-25T01:30:00Z', 'Europe/Warsaw').month).toBe(10);
  });

  it('leap February 2020 has 29 days, 2019 has 28, 2100 has 28', () => {
    expect(BillingPeriod.of('Europe/Warsaw', 2020, 2)).toMatchObject({ startMs: Date.parse('2020-01-31T23:00:00Z'), endMs: Date.parse('2020-02-29T23:00:00Z') });
    expect(period('2020-02-29T12:00:00Z', 'Europe/Warsaw')).toMatchObject({ month: 2, days: 29 });
    expect(period('2019-02-15T12:00:00Z', 'Europe/Warsaw')).toMatchObject({ month: 2, days: 28 });
    expect(period('2100-02-15T12:00:00Z', 'UTC')).toMatchObject({ month: 2, days: 28 });
  });

  it('month ends: 30- and 31-day months and the year boundary', () => {
    expect(period('2020-04-15T00:00:00Z', 'Europe/Warsaw').days).toBe(30);
    expect(period('2020-12-31T22:59:59.999Z', 'Europe/Warsaw')).toMatchObject({ year: 2020, month: 12 });
    expect(period('2020-12-31T23:00:00Z', 'Europe/Warsaw')).toMatchObject({ year: 2021, month: 1, start: '2020-12-31T23:00:00.000Z' });
  });

  it('Asia/Kolkata (+05:30, no DST)', () => {
    expect(period('2020-01-31T18:29:59.999Z', 'Asia/Kolkata')).toMatchObject({ month: 1 });
    expect(period('2020-01-31T18:30:00Z', 'Asia/Kolkata')).toEqual({
      year: 2020,
      month: 2,
      start: '2020-01-31T18:30:00.000Z',
      end: '2020-02-29T18:30:00.000Z',
      days: 29,
    });
  });

  it('Pacific/Apia: December 2011 lost its 30th day when Samoa crossed the date line', () => {
    // 29 Dec 23:59:59 −10:00 was followed by 31 Dec 00:00 +14:00.
    expect(period('2011-12-15T00:00:00Z', 'Pacific/Apia')).toEqual({
      year: 2011,
      month: 12,
      start: '2011-12-01T10:00:00.000Z',
      end: '2011-12-31T10:00:00.000Z',
      days: 30,
    });
    expect(period('2011-12-30T09:59:59.999Z', 'Pacific/Apia').month).toBe(12); // 29 Dec local
    expect(period('2011-12-30T10:00:00Z', 'Pacific/Apia').month).toBe(12); // 31 Dec local
    expect(period('2011-12-31T10:00:00Z', 'Pacific/Apia')).toMatchObject({ year: 2012, month: 1 });
  });

  it('America/St_Johns (−03:30 standard, −02:30 summer)', () => {
    expect(period('2020-01-15T00:00:00Z', 'America/St_Johns')).toMatchObject({ start: '2020-01-01T03:30:00.000Z', end: '2020-02-01T03:30:00.000Z' });
    expect(period('2020-07-15T00:00:00Z', 'America/St_Johns')).toMatchObject({ start: '2020-07-01T02:30:00.000Z', end: '2020-08-01T02:30:00.000Z' });
    // March 2020 loses an hour (DST from 8 March), November gains one.
    expect(period('2020-03-15T00:00:00Z', 'America/St_Johns').days).toBe(31 - 1 / 24);
    expect(period('2020-11-15T00:00:00Z', 'America/St_Johns').days).toBe(30 + 1 / 24);
  });

  it('a month whose first midnight does not exist starts at the end of the gap (America/Asuncion, 1 Oct 2017)', () => {
    expect(iso(BillingPeriod.of('America/Asuncion', 2017, 10).startMs)).toBe('2017-10-01T04:00:00.000Z'); // 01:00 −03:00
    expect(iso(BillingPeriod.of('America/Asuncion', 2017, 9).endMs)).toBe('2017-10-01T04:00:00.000Z');
  });

  it('rejects an unknown zone with a typed error', () => {
    expect(() => BillingPeriod.containing(0, 'Mars/Olympus')).toThrow(/unknown IANA time zone/);
  });
});
