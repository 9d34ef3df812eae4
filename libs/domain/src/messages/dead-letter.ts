// The values of `dead-letters` (key: the file name or the input topic) and of
// `data-records-late`, one codec each, used by every producer. Dead letters have a common
// envelope — where the input was, why, a human-readable message, when — and fields of
// their own per reason (the raw line or value, its hash, the record, the counted copy…),
// kept as they are. Like every codec, encode validates our own output before it leaves
// (a bug in a producer is an error here, not a malformed message on a topic).
import { z } from 'zod';
import { dataRecordSchema, dataRecordCodec, type DataRecord, type DataRecordWire } from './data-record';
import { defineCodec } from './codec';

const offsetText = z.string().regex(/^\d+$/, 'a decimal offset');

/** Where a dead letter's input was: a Kafka position (with file and line when known), or a file. */
const topicSource = z.object({
  topic: z.string().min(1),
  partition: z.number().int().min(0).nullable(),
  offset: offsetText.nullable().optional(),
  file: z.string().min(1).optional(),
  line: z.number().int().min(1).optional(),
});
const fileSource = z.object({
  file: z.string().min(1),
  line: z.number().int().min(1).optional(),
  /** Byte offset of the line in the file. */
  offset: z.number().int().min(0).optional(),
});

export const deadLetterSchema = z.looseObject({
  source: z.union([topicSource, fileSource]),
  reason: z.string().min(1),
  message: z.string(),
  rejectedAt: z.iso.datetime({ offset: true }),
});

/** A dead letter's common envelope; each reason adds fields of its own (kept as they are). */
export interface DeadLetter {
  source: z.output<typeof topicSource> | z.output<typeof fileSource>;
  reason: string;
  message: string;
  /** ISO-8601. */
  rejectedAt: string;
}

// The schema's output has the envelope and every other field: a DeadLetter.
export const deadLetterCodec = defineCodec<DeadLetter, DeadLetter>('DeadLetter', deadLetterSchema, (d) => d);

export const lateRecordSchema = dataRecordSchema.extend({ reason: z.string().min(1) });
/** A record for an already closed billing period: stored, not counted. */
export type LateRecord = DataRecord & { reason: string };
export type LateRecordWire = DataRecordWire & { reason: string };

export const lateRecordCodec = defineCodec('LateRecord', lateRecordSchema, (r: LateRecord): LateRecordWire => ({ ...dataRecordCodec.toJson(r), reason: r.reason }));
