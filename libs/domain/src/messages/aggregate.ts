// Value of `data-records-aggregates` (key: agreementId, Kafka timestamp: period end − 1 ms).
import { z } from 'zod';
import { formatUtcTimestamp } from '../timestamp';
import { byteCountSchema, monthSchema, timestampSchema, timeZoneSchema, uuidSchema, yearSchema } from '../scalars';
import { toWireInteger } from '../exact-json';
import { defineCodec } from './codec';

export const AGGREGATE_TYPES = ['DATA_PLAN_EXCEEDED', 'BILLING_PERIOD_CLOSED'] as const;
export type DataPlanTrigger = (typeof AGGREGATE_TYPES)[number];

export const aggregateSchema = z.object({
  agreementId: uuidSchema,
  year: yearSchema,
  month: monthSchema,
  /** Epoch millis of the latest record (max recordedAt, ties: later arrival). */
  latestRecordedAt: timestampSchema,
  latestInternalRecordId: uuidSchema,
  totalRecordedBytes: byteCountSchema,
  billingPeriodTimeZone: timeZoneSchema,
  maxBytesInBillingPeriod: byteCountSchema,
  type: z.enum(AGGREGATE_TYPES),
});

export type Aggregate = z.output<typeof aggregateSchema>;

export interface AggregateWire {
  agreementId: string;
  year: number;
  month: number;
  latestRecordedAt: string;
  latestInternalRecordId: string;
  /** Exact: a number up to 2^53 − 1, a bigint beyond. */
  totalRecordedBytes: number | bigint;
  billingPeriodTimeZone: string;
  /** Exact: a number up to 2^53 − 1, a bigint beyond. */
  maxBytesInBillingPeriod: number | bigint;
  type: DataPlanTrigger;
}

export const aggregateCodec = defineCodec('Aggregate', aggregateSchema, (a): AggregateWire => ({
  agreementId: a.agreementId,
  year: a.year,
  month: a.month,
  latestRecordedAt: formatUtcTimestamp(a.latestRecordedAt),
  latestInternalRecordId: a.latestInternalRecordId,
  totalRecordedBytes: toWireInteger(a.totalRecordedBytes),
  billingPeriodTimeZone: a.billingPeriodTimeZone,
  maxBytesInBillingPeriod: toWireInteger(a.maxBytesInBillingPeriod),
  type: a.type,
}));
