export { ok, err, type Result } from './result';
export * from './errors';
export { isKnownTimeZone, zoneOffsetMs } from './zone';
export { parseTimestamp, formatUtcTimestamp, formatZonedTimestamp } from './timestamp';
export {
  uuidSchema,
  msisdnSchema,
  byteCountSchema,
  byteCountTextSchema,
  MAX_BYTE_COUNT,
  timestampSchema,
  timeZoneSchema,
  monthSchema,
  yearSchema,
} from './scalars';
export { INTERNAL_RECORD_ID_NAMESPACE, internalRecordIdName, internalRecordId, type RecordIdentity } from './internal-id';
export { parseDataRecordLine, formatDataRecordLine, toImportedRecord, type DataRecordLine } from './data-record-line';
export { parseExact, stringifyExact, toWireInteger } from './exact-json';
export { defineCodec, type Codec } from './messages/codec';
export { agreementSchema, agreementCodec, javaAgreementCodec, type Agreement, type AgreementWire } from './messages/agreement';
export {
  importedRecordSchema,
  importedRecordCodec,
  type ImportedRecord,
  type ImportedRecordWire,
  type RecordSource,
} from './messages/imported-record';
export { dataRecordSchema, dataRecordCodec, type DataRecord, type DataRecordWire } from './messages/data-record';
export {
  deadLetterSchema,
  deadLetterCodec,
  lateRecordSchema,
  lateRecordCodec,
  type DeadLetter,
  type LateRecord,
  type LateRecordWire,
} from './messages/dead-letter';
export {
  AGGREGATE_TYPES,
  aggregateSchema,
  aggregateCodec,
  type Aggregate,
  type AggregateWire,
  type DataPlanTrigger,
} from './messages/aggregate';
export { DEFAULT_FUTURE_TOLERANCE_MS, FutureTimestampError, checkNotInFuture, latestPlausibleEventTime } from './event-time-tolerance';
export { DEFAULT_MAX_RAW_BYTES, boundRaw, type BoundedRaw } from './bounded-raw';
