// One line of a data-record file: externalId;recordedAt;msisdn;recordedBytes
import { z } from 'zod';
import { DataRecordLineError, type DataRecordLineErrorReason, type DataRecordLineField } from './errors';
import { internalRecordId } from './internal-id';
import type { ImportedRecord, RecordSource } from './messages/imported-record';
import { err, ok, type Result } from './result';
import { byteCountTextSchema, MAX_BYTE_COUNT, msisdnSchema, timestampSchema, uuidSchema } from './scalars';
import { formatZonedTimestamp, parseTimestamp } from './timestamp';

export interface DataRecordLine {
  /** Lower-case UUID. */
  readonly externalId: string;
  /** Epoch milliseconds. */
  readonly recordedAt: number;
  readonly msisdn: string;
  /** 0 … 2^63 − 1, exact. */
  readonly recordedBytes: bigint;
}

const FIELDS: readonly {
  field: DataRecordLineField;
  reason: DataRecordLineErrorReason;
  schema: z.ZodType<string | number | bigint, string>;
}[] = [
  { field: 'externalId', reason: 'invalid-external-id', schema: uuidSchema },
  { field: 'recordedAt', reason: 'invalid-recorded-at', schema: timestampSchema },
  { field: 'msisdn', reason: 'invalid-msisdn', schema: msisdnSchema },
  { field: 'recordedBytes', reason: 'invalid-recorded-bytes', schema: byteCountTextSchema },
];

// The checks of the four field schemas above, without zod's per-call work: used when a
// line is valid (the importer's hot path). Any field they refuse goes through the zod
// schemas, which decide and name the field and the reason exactly as before.
const UUID = z.regexes.uuid();
const MSISDN = /^\d{1,15}$/;
const BYTE_COUNT = /^(?:0|[1-9]\d*)$/;

function parseValidLine(parts: readonly string[]): DataRecordLine | undefined {
  const [externalId = '', recordedAtText = '', msisdn = '', bytesText = ''] = parts;
  if (!UUID.test(externalId) || !MSISDN.test(msisdn) || !BYTE_COUNT.test(bytesText)) return undefined;
  // Up to 15 digits a double is exact and BigInt(number) is the cheaper conversion.
  const recordedBytes = bytesText.length <= 15 ? BigInt(Number(bytesText)) : bytesText.length <= 19 ? BigInt(bytesText) : MAX_BYTE_COUNT + 1n;
  if (recordedBytes > MAX_BYTE_COUNT) return undefined;
  const recordedAt = parseTimestamp(recordedAtText);
  if (!recordedAt.ok) return undefined;
  return { externalId: externalId.toLowerCase(), recordedAt: recordedAt.value, msisdn, recordedBytes };
}

/**
 * Parses one line (without its newline; a trailing CR from CRLF files is tolerated).
 * Returns the whole record or a DataRecordLineError naming the first bad field.
 */
export function parseDataRecordLine(rawLine: string): Result<DataRecordLine, DataRecordLineError> {
  const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
  if (line.trim() === '') {
    return err(new DataRecordLineError('blank-line', undefined, rawLine, 'blank line'));
  }
  const parts = line.split(';');
  if (parts.length !== FIELDS.length) {
    return err(
      new DataRecordLineError(
        'field-count',
        undefined,
        rawLine,
        `expected 4 fields "externalId;recordedAt;msisdn;recordedBytes" separated by ";", found ${parts.length}`,
      ),
    );
  }
  const valid = parseValidLine(parts);
  if (valid) return ok(valid);
  const values: (string | number | bigint)[] = [];
  for (const [i, { field, reason, schema }] of FIELDS.entries()) {
    const text = parts[i] ?? '';
    const parsed = schema.safeParse(text);
    if (!parsed.success) {
      const why = parsed.error.issues[0]?.message ?? 'invalid';
      return err(new DataRecordLineError(reason, field, text, `${field} "${text}": ${why}`));
    }
    values.push(parsed.data);
  }
  const [externalId, recordedAt, msisdn, recordedBytes] = values as [string, number, string, bigint];
  return ok({ externalId, recordedAt, msisdn, recordedBytes });
}

/**
 * Writes a line in the original's format, recordedAt in Java's zoned form in `zone`.
 * `recordedBytes` may also be a safe-integer number (the generator's): it prints the same digits.
 */
export function formatDataRecordLine(record: Omit<DataRecordLine, 'recordedBytes'> & { readonly recordedBytes: bigint | number }, zone: string): string {
  return `${record.externalId};${formatZonedTimestamp(record.recordedAt, zone)};${record.msisdn};${record.recordedBytes}`;
}

/** Gives a parsed line its deterministic internal id and, optionally, where it came from. */
export function toImportedRecord(line: DataRecordLine, source?: RecordSource): ImportedRecord {
  const base = { ...line, internalId: internalRecordId(line) };
  return source ? { ...base, source } : base;
}
