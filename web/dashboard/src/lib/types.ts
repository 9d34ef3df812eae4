// The shapes of the dashboard API (docs/dashboard.md; the contract of issue 16). Byte counts
// are ExactInt: a number, or a bigint when beyond 2^53 − 1.
import type { ExactInt } from './exact-json';

export type SubscriberState = 'within-plan' | 'exceeded' | 'closed' | 'no-usage';

export interface PeriodBounds {
  year: number;
  month: number;
  /** UTC ISO instants of the period's bounds (start inclusive, end exclusive). */
  start: string;
  end: string;
}

export interface SubscriberRow {
  msisdn: string;
  agreementId: string;
  maxBytesInBillingPeriod: ExactInt;
  billingPeriodTimeZone: string;
  period: PeriodBounds | null;
  totalRecordedBytes: ExactInt;
  percentOfPlan: number;
  state: SubscriberState;
}

export interface SubscribersPage {
  total: number;
  offset: number;
  limit: number;
  rows: SubscriberRow[];
  instances?: { url: string; partitions: number[] }[];
}

export interface OpenPeriod {
  agreementId: string;
  year: number;
  month: number;
  billingPeriodTimeZone: string;
  periodStart: string;
  periodEnd: string;
  totalRecordedBytes: ExactInt;
  maxBytesInBillingPeriod: ExactInt;
  dataPlanExceeded: boolean;
  latestRecordedAt: string | null;
}

export interface Usage {
  agreementId: string;
  msisdn: string;
  maxBytesInBillingPeriod: ExactInt;
  billingPeriodTimeZone: string;
  owner?: { url: string; partition: number };
  answeredBy?: string;
  openPeriods: OpenPeriod[];
}

export interface CurvePoint {
  at: string;
  cumulativeBytes: ExactInt;
}

export interface PeriodDetail {
  agreementId: string;
  msisdn: string;
  maxBytesInBillingPeriod: ExactInt;
  billingPeriodTimeZone: string;
  period: PeriodBounds;
  total: { B: ExactInt; KB: ExactInt; MB: ExactInt; GB: ExactInt };
  records: number;
  exceededAt: string | null;
  curve: CurvePoint[];
}

export interface DataRecord {
  key: { agreementId: string; year: number; month: number; recordedAt: string; internalRecordId: string };
  recordedBytes: ExactInt;
}

export type AlertType = 'DATA_PLAN_EXCEEDED' | 'BILLING_PERIOD_CLOSED';

export interface AlertMessage {
  agreementId: string;
  year: number;
  month: number;
  latestRecordedAt?: string;
  latestInternalRecordId?: string;
  totalRecordedBytes: ExactInt;
  billingPeriodTimeZone?: string;
  maxBytesInBillingPeriod: ExactInt;
  /** An AlertType; typed as string so that a type added later is still shown. */
  type: string;
}

export interface Alert {
  /** "<partition>:<offset>" */
  id: string;
  partition: number;
  offset: ExactInt | string;
  receivedAt: string;
  message: AlertMessage;
}
