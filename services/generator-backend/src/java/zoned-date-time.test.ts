import { describe, expect, it } from 'vitest';
import { formatZonedTimestamp } from '@mobilecs/domain';
import { fromLocal, localDateText, plusDays, plusMonths } from './zoned-date-time';

const W = 'Europe/Warsaw';
const at = (iso: string) => Date.parse(iso);

describe('Java ZonedDateTime arithmetic in Europe/Warsaw', () => {
  it('plusMonths keeps the local time across DST and clamps the day', () => {
    expect(formatZonedTimestamp(plusMonths(at('2020-03-01T23:00:00Z'), W, 1), W)).toBe('2020-04-02T00:00+02:00[Europe/Warsaw]');
    expect(formatZonedTimestamp(plusMonths(at('2020-01-31T11:00:00Z'), W, 1), W)).toBe('2020-02-29T12:00+01:00[Europe/Warsaw]');
    expect(formatZonedTimestamp(plusMonths(at('2020-11-30T23:00:00Z'), W, 14), W)).toBe('2022-02-01T00:00+01:00[Europe/Warsaw]');
  });

  it('plusDays(-n) moves calendar days at the same local time', () => {
    expect(formatZonedTimestamp(plusDays(at('2019-12-31T23:00:00Z'), W, -12), W)).toBe('2019-12-20T00:00+01:00[Europe/Warsaw]');
    expect(formatZonedTimestamp(plusDays(at('2020-03-30T22:00:00Z'), W, -2), W)).toBe('2020-03-29T00:00+01:00[Europe/Warsaw]');
  });

  it('resolves a gap forward and an overlap to the earlier offset unless another is preferred', () => {
    const gap = { year: 2020, month: 3, day: 29, hour: 2, minute: 30, second: 0, millisecond: 0 };
    expect(formatZonedTimestamp(fromLocal(gap, W), W)).toBe('2020-03-29T03:30+02:00[Europe/Warsaw]');
    const overlap = { year: 2020, month: 10, day: 25, hour: 2, minute: 30, second: 0, millisecond: 0 };
    expect(formatZonedTimestamp(fromLocal(overlap, W), W)).toBe('2020-10-25T02:30+02:00[Europe/Warsaw]');
    expect(formatZonedTimestamp(fromLocal(overlap, W, 3_600_000), W)).toBe('2020-10-25T02:30+01:00[Europe/Warsaw]');
  });

  it('localDateText is the local calendar date', () => {
    expect(localDateText(at('2020-01-01T23:00:00Z'), W)).toBe('2020-01-02');
  });
});
