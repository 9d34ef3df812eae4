// Billing period rule (system spec §5): the calendar month, in the agreement's zone,
// that contains recordedAt. TODO: switch to BillingPeriod.containing from
// @mobilecs/windowing once that package exports it (same rule).
import { toLocal } from './java/zonedDateTime';

export function billingPeriodOf(recordedAtMs: number, zone: string): { year: number; month: number } {
  const l = toLocal(recordedAtMs, zone);
  return { year: l.year, month: l.month };
}
