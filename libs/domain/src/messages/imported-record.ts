// Value of the `incoming-data-records` topic (key: msisdn, Kafka timestamp: recordedAt).
import { z } from 'zod';
import { formatUtcTimestamp } from '../timestamp';
import { byteCountSchema, msisdnSchema, timestampSchema, uuidSchema } from '../scalars';
import { toWireInteger } from '../exact-json';
import { defineCodec } from './codec';

const recordSourceSchema = z.object({
  /** File name the record was read from. */
  file: z.string().min(1),
  /** 1-based line number in that file. */
  line: z.number().int().min(1),
});

export type RecordSource = z.output<typeof recordSourceSchema>;

export const importedRecordSchema = z.object({
  externalId: uuidSchema,
  recordedAt: timestampSchema,
  msisdn: msisdnSchema,
  recordedBytes: byteCountSchema,
  internalId: uuidSchema,
  source: recordSourceSchema.optional(),
});

export type ImportedRecord = z.output<typeof importedRecordSchema>;

export interface ImportedRecordWire {
  externalId: string;
  recordedAt: string;
  msisdn: string;
  /** Exact: a number up to 2^53 − 1, a bigint beyond. */
  recordedBytes: number | bigint;
  internalId: string;
  source?: RecordSource;
}

export const importedRecordCodec = defineCodec('ImportedRecord', importedRecordSchema, (r): ImportedRecordWire => {
  const wire: ImportedRecordWire = {
    externalId: r.externalId,
    recordedAt: formatUtcTimestamp(r.recordedAt),
    msisdn: r.msisdn,
    recordedBytes: toWireInteger(r.recordedBytes),
    internalId: r.internalId,
  };
  if (r.source) wire.source = { file: r.source.file, line: r.source.line };
  return wire;
});
