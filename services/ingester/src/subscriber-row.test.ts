import { describe, expect, it } from 'vitest';
import type { Agreement } from '@mobilecs/domain';
import { BillingPeriod, BillingWindow, type WindowState } from '@mobilecs/windowing';
import { percentOfPlan, subscriberRow, subscriberState, usageRatio } from './subscriber-row';

const MAX = 2n ** 63n - 1n;
const agreement: Agreement = {
  id: '0b12c601-9287-3f5c-a78c-df508fe0f889',
  msisdn: '48917846822',
  signedAt: Date.parse('2019-12-20T00:00:00+01:00'),
  serviceStartAt: Date.parse('2020-01-01T00:00:00+01:00'),
  billingPeriodTimeZone: 'Europe/Warsaw',
  maxBytesInBillingPeriod: 5_368_709_120n,
};
const january = (over: Partial<WindowState> = {}): WindowState => ({
  ...BillingWindow.open(agreement, BillingPeriod.containing(Date.parse('2020-01-10T00:00:00Z'), 'Europe/Warsaw'), 0),
  ...over,
});

describe('percentOfPlan', () => {
  it('one decimal, rounded half up, exact for totals beyond 2^53', () => {
    expect(percentOfPlan(0n, 1000n)).toBe(0);
    expect(percentOfPlan(1n, 1000n)).toBe(0.1);
    expect(percentOfPlan(1n, 2000n)).toBe(0.1); // 0.05 → 0.1
    expect(percentOfPlan(1n, 2001n)).toBe(0); // 0.04997…
    expect(percentOfPlan(5_697_948_758n, 5_368_709_120n)).toBe(106.1);
    expect(percentOfPlan(MAX, MAX)).toBe(100);
    expect(percentOfPlan(MAX - 1n, MAX)).toBe(100);
    expect(percentOfPlan(MAX, 1n)).toBe(Number(MAX * 100n));
  });
  it('a plan of 0 B: 100 once anything is used, else 0; the sort key puts such usage first', () => {
    expect(percentOfPlan(0n, 0n)).toBe(0);
    expect(percentOfPlan(1n, 0n)).toBe(100);
    expect(usageRatio(1n, 0n)).toBeGreaterThan(usageRatio(MAX, 1n));
    expect(usageRatio(0n, 0n)).toBe(0);
  });
});

describe('subscriberState', () => {
  it('no period → no-usage; closed marker → closed; at or over the plan → exceeded; else within-plan', () => {
    expect(subscriberState(null)).toBe('no-usage');
    expect(subscriberState(january({ closed: true, totalBytes: 10n ** 12n }))).toBe('closed');
    expect(subscriberState(january({ totalBytes: 5_368_709_119n }))).toBe('within-plan');
    expect(subscriberState(january({ totalBytes: 5_368_709_120n }))).toBe('exceeded');
    // A corrected (raised) plan after DATA_PLAN_EXCEEDED went out: still exceeded for this period.
    expect(subscriberState(january({ totalBytes: 10n, exceededEmitted: true }))).toBe('exceeded');
  });
});

describe('subscriberRow', () => {
  it('with a period: its bounds in the zone as UTC ISO, total, plan and percent; exact byte counts beyond 2^53', () => {
    expect(subscriberRow(agreement, january({ totalBytes: 5_697_948_758n }))).toEqual({
      msisdn: '48917846822',
      agreementId: agreement.id,
      maxBytesInBillingPeriod: 5_368_709_120,
      billingPeriodTimeZone: 'Europe/Warsaw',
      period: { year: 2020, month: 1, start: '2019-12-31T23:00:00.000Z', end: '2020-01-31T23:00:00.000Z' },
      totalRecordedBytes: 5_697_948_758,
      percentOfPlan: 106.1,
      state: 'exceeded',
    });
    const huge = subscriberRow(agreement, january({ totalBytes: MAX, maxBytes: MAX }));
    expect(huge.totalRecordedBytes).toBe(MAX);
    expect(huge.maxBytesInBillingPeriod).toBe(MAX);
  });
  it('without a period: the agreement plan and zone, no period, nothing used', () => {
    expect(subscriberRow(agreement, null)).toMatchObject({ period: null, totalRecordedBytes: 0, percentOfPlan: 0, state: 'no-usage', maxBytesInBillingPeriod: 5_368_709_120 });
  });
});
