import { describe, expect, it } from 'vitest';
import { currentMonthIn, defaultPeriod, formatInZone, formatYearMonth, parseYearMonth, shiftMonth } from './period';

describe('defaultPeriod', () => {
  const now = new Date('2020-01-31T23:30:00Z'); // already February in Warsaw, still January in UTC
  it('takes the newest open period', () => {
    expect(defaultPeriod([{ year: 2020, month: 1 }, { year: 2020, month: 2 }, { year: 2019, month: 12 }], 'Europe/Warsaw', now)).toEqual({ year: 2020, month: 2 });
  });
  it("else the current month in the agreement's zone", () => {
    expect(defaultPeriod([], 'Europe/Warsaw', now)).toEqual({ year: 2020, month: 2 });
    expect(defaultPeriod([], 'UTC', now)).toEqual({ year: 2020, month: 1 });
    expect(defaultPeriod([], 'America/New_York', now)).toEqual({ year: 2020, month: 1 });
  });
  it('uses UTC when the zone is unknown or not known yet', () => {
    expect(defaultPeriod([], 'Nowhere/Special', now)).toEqual({ year: 2020, month: 1 });
    expect(defaultPeriod([], null, now)).toEqual({ year: 2020, month: 1 });
  });
  it('currentMonthIn refuses an unknown zone', () => {
    expect(() => currentMonthIn('Nowhere/Special', now)).toThrow(RangeError);
  });
});

describe('months', () => {
  it('shift across years', () => {
    expect(shiftMonth({ year: 2020, month: 1 }, -1)).toEqual({ year: 2019, month: 12 });
    expect(shiftMonth({ year: 2019, month: 12 }, 1)).toEqual({ year: 2020, month: 1 });
    expect(shiftMonth({ year: 2020, month: 5 }, 20)).toEqual({ year: 2022, month: 1 });
  });
  it('format and parse as yyyy-mm', () => {
    expect(formatYearMonth({ year: 2020, month: 1 })).toBe('2020-01');
    expect(parseYearMonth('2020-01')).toEqual({ year: 2020, month: 1 });
    expect(parseYearMonth('2020-13')).toBeNull();
    expect(parseYearMonth('2020-1')).toBeNull();
  });
});

describe('formatInZone', () => {
  it("writes a period's bounds in the agreement's zone with its offset", () => {
    // January 2020 in Warsaw: from 2019-12-31T23:00Z to 2020-01-31T23:00Z.
    expect(formatInZone('2019-12-31T23:00:00.000Z', 'Europe/Warsaw')).toBe('2020-01-01 00:00:00 GMT+1');
    expect(formatInZone('2020-03-31T22:00:00.000Z', 'Europe/Warsaw')).toBe('2020-04-01 00:00:00 GMT+2');
    expect(formatInZone('2020-01-01T05:00:00.000Z', 'America/New_York')).toBe('2020-01-01 00:00:00 GMT-5');
  });
  it('falls back to UTC for an unknown zone, saying so, and leaves a bad instant as it is', () => {
    // ICU writes UTC's offset as "GMT" or "GMT+0" depending on its version.
    expect(formatInZone('2020-01-01T00:00:00.000Z', 'Nowhere/Special')).toMatch(/^2020-01-01 00:00:00 GMT(\+0)? \(unknown zone Nowhere\/Special\)$/);
    expect(formatInZone('not a date', 'UTC')).toBe('not a date');
  });
});
