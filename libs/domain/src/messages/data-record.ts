// A matched record (Cassandra row of mobilecs.data_record; value of `data-records-late`).
import { z } from 'zod';
import { formatUtcTimestamp } from '../timestamp';
import { byteCountSchema, monthSchema, timestampSchema, uuidSchema, yearSchema } from '../scalars';
import { toWireInteger } from '../exact-json';
import { defineCodec } from './codec';

export const dataRecordSchema = z.object({
  agreementId: uuidSchema,
  /** Billing period (calendar month in the agreement's zone) containing recordedAt. */
  year: yearSchema,
  month: monthSchema,
  recordedAt: timestampSchema,
  internalRecordId: uuidSchema,
  recordedBytes: byteCountSchema,
});

export type DataRecord = z.output<typeof dataRecordSchema>;

export interface DataRecordWire {
  agreementId: string;
  year: number;
  month: number;
  recordedAt: string;
  internalRecordId: string;
  /** Exact: a number up to 2^53 − 1, a bigint beyond. */
  recordedBytes: number | bigint;
}

export const dataRecordCodec = defineCodec('DataRecord', dataRecordSchema, (r): DataRecordWire => ({
  agreementId: r.agreementId,
  year: r.year,
  month: r.month,
  recordedAt: formatUtcTimestamp(r.recordedAt),
  internalRecordId: r.internalRecordId,
  recordedBytes: toWireInteger(r.recordedBytes),
}));
