// Data-record reads and upserts shared by REST and GraphQL: validation, billing period,
// the original's JSON shape and total-data-used text.
import { byteCountSchema, byteCountTextSchema, formatUtcTimestamp, MAX_BYTE_COUNT, parseExact, timestampSchema, uuidSchema } from '@mobilecs/domain';
import { z } from 'zod';
import { billingPeriodOf } from './billing-period';
import { BadRequestError } from './errors';
import type { DataRecordStore, StoredDataRecord } from './ports';

export interface DataRecordKeyView {
  agreementId: string;
  year: number;
  month: number;
  recordedAt: string;
  internalRecordId: string;
}

/** The original's DataRecord JSON: {key: {...}, recordedBytes}. recordedBytes stays a bigint (exact). */
export interface DataRecordView {
  key: DataRecordKeyView;
  recordedBytes: bigint;
}

export function toView(r: StoredDataRecord): DataRecordView {
  return {
    key: {
      agreementId: r.agreementId,
      year: r.year,
      month: r.month,
      recordedAt: formatUtcTimestamp(r.recordedAt),
      internalRecordId: r.internalRecordId,
    },
    recordedBytes: r.recordedBytes,
  };
}

function firstIssue(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
}

export function parseAgreementId(value: unknown): string {
  const r = uuidSchema.safeParse(value);
  if (!r.success) throw new BadRequestError(`agreementId ${JSON.stringify(value)} is not a UUID`);
  return r.data;
}

function parseIntIn(name: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new BadRequestError(`${name} ${JSON.stringify(value)} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** Year (Cassandra smallint, 0–9999 here) and month (1–12) of a billing period. */
export function parsePeriod(year: unknown, month: unknown): { year: number; month: number } {
  return { year: parseIntIn('year', year, 0, 9999), month: parseIntIn('month', month, 1, 12) };
}

const upsertRequestSchema = z.object(
  {
    recordedAt: timestampSchema,
    internalRecordId: uuidSchema,
    recordedBytes: z.unknown().transform((value, ctx): bigint => {
      const schema = typeof value === 'string' ? byteCountTextSchema : typeof value === 'number' || typeof value === 'bigint' ? byteCountSchema : undefined;
      const r = schema?.safeParse(value);
      if (r?.success) return r.data;
      const why = r?.error.issues[0]?.message;
      const expected = `an integer from 0 to ${MAX_BYTE_COUNT} (2^63 − 1), as a JSON number or a string of digits`;
      ctx.issues.push({ code: 'custom', message: why ? `${why} (expected ${expected})` : `must be ${expected}`, input: value });
      return z.NEVER;
    }),
  },
  { error: 'must be a JSON object {recordedAt, internalRecordId, recordedBytes}' },
);

export interface UpsertRequest {
  recordedAt: number;
  internalRecordId: string;
  /** 0 … 2^63 − 1, exact. */
  recordedBytes: bigint;
}

/**
 * A JSON request body (as text) parsed exactly: numbers beyond 2^53 − 1 arrive as bigints
 * instead of rounded doubles. An empty body is undefined; malformed JSON is a 400.
 */
export function parseJsonBody(text: unknown): unknown {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  try {
    return parseExact(text);
  } catch (err) {
    throw new BadRequestError(`malformed JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function parseUpsertRequest(body: unknown): UpsertRequest {
  const r = upsertRequestSchema.safeParse(body);
  if (!r.success) throw new BadRequestError(`invalid data record: ${firstIssue(r.error)}`);
  return r.data;
}

/** HALF_UP division of non-negative or negative bigints, like BigDecimal.divide(d, 0, HALF_UP). */
function divideHalfUp(n: bigint, d: bigint): bigint {
  const sign = n < 0n ? -1n : 1n;
  const a = n < 0n ? -n : n;
  const q = a / d;
  return sign * (2n * (a % d) >= d ? q + 1n : q);
}

/** The original's text: "<B> B\n<KB> KB\n<MB> MB\n<GB> GB", each rounded half up. */
export function totalDataUsedText(bytes: bigint): string {
  return (
    `${bytes} B\n` +
    `${divideHalfUp(bytes, 1024n)} KB\n` +
    `${divideHalfUp(bytes, 1024n ** 2n)} MB\n` +
    `${divideHalfUp(bytes, 1024n ** 3n)} GB`
  );
}

export class DataRecordsService {
  constructor(
    private readonly store: DataRecordStore,
    /** Zone of the billing period of upserted records (the original used Europe/Warsaw; there is no agreement lookup). */
    private readonly billingPeriodTimeZone: string,
  ) {}

  async find(agreementId: unknown, year: unknown, month: unknown): Promise<DataRecordView[]> {
    const id = parseAgreementId(agreementId);
    const p = parsePeriod(year, month);
    return (await this.store.find(id, p.year, p.month)).map(toView);
  }

  async totalDataUsed(agreementId: unknown, year: unknown, month: unknown): Promise<string> {
    const id = parseAgreementId(agreementId);
    const p = parsePeriod(year, month);
    return totalDataUsedText(await this.store.totalBytes(id, p.year, p.month));
  }

  async upsert(agreementId: unknown, body: unknown): Promise<DataRecordView> {
    const id = parseAgreementId(agreementId);
    const req = parseUpsertRequest(body);
    const period = billingPeriodOf(req.recordedAt, this.billingPeriodTimeZone);
    const record: StoredDataRecord = {
      agreementId: id,
      ...period,
      recordedAt: req.recordedAt,
      internalRecordId: req.internalRecordId,
      recordedBytes: req.recordedBytes,
    };
    await this.store.upsert([record]);
    return toView(record);
  }
}
