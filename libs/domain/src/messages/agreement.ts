// Value of the `agreements` topic (key: msisdn, Kafka timestamp: signedAt).
import { z } from 'zod';
import { formatUtcTimestamp, formatZonedTimestamp } from '../timestamp';
import { byteCountSchema, msisdnSchema, timestampSchema, timeZoneSchema, uuidSchema } from '../scalars';
import { toWireInteger } from '../exact-json';
import { defineCodec } from './codec';

export const agreementSchema = z.object({
  id: uuidSchema,
  msisdn: msisdnSchema,
  /** Epoch millis. */
  signedAt: timestampSchema,
  /** Epoch millis; the agreement covers records recorded strictly after it. */
  serviceStartAt: timestampSchema,
  billingPeriodTimeZone: timeZoneSchema,
  maxBytesInBillingPeriod: byteCountSchema,
});

export type Agreement = z.output<typeof agreementSchema>;

export interface AgreementWire {
  id: string;
  msisdn: string;
  signedAt: string;
  serviceStartAt: string;
  billingPeriodTimeZone: string;
  /** Exact: a number up to 2^53 − 1, a bigint beyond. */
  maxBytesInBillingPeriod: number | bigint;
}

/** Agreements are written with ISO-8601 UTC timestamps. */
export const agreementCodec = defineCodec('Agreement', agreementSchema, (a): AgreementWire => ({
  id: a.id,
  msisdn: a.msisdn,
  signedAt: formatUtcTimestamp(a.signedAt),
  serviceStartAt: formatUtcTimestamp(a.serviceStartAt),
  billingPeriodTimeZone: a.billingPeriodTimeZone,
  maxBytesInBillingPeriod: toWireInteger(a.maxBytesInBillingPeriod),
}));

/** Agreements in the original's Java form (timestamps zoned in billingPeriodTimeZone), as the generator publishes them. */
export const javaAgreementCodec = defineCodec('Agreement', agreementSchema, (a): AgreementWire => ({
  ...agreementCodec.toJson(a),
  signedAt: formatZonedTimestamp(a.signedAt, a.billingPeriodTimeZone),
  serviceStartAt: formatZonedTimestamp(a.serviceStartAt, a.billingPeriodTimeZone),
}));
