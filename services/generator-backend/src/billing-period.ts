// Billing period rule (system spec §5): the one rule of libs/windowing, so rows written
// here land in the same Cassandra partition as the ingester's windows.
import { BillingPeriod } from '@mobilecs/windowing';

export function billingPeriodOf(recordedAtMs: number, zone: string): { year: number; month: number } {
  const { year, month } = BillingPeriod.containing(recordedAtMs, zone);
  return { year, month };
}
