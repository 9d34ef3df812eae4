// The serialisable form of the processor's state, for a compacted changelog topic (one
// value per key) and for whole snapshots. Every value carries its format version, so a
// later format can migrate older values on restore. One version exists (a draft without
// a version field never reached a stored changelog, and is rejected like any unknown one):
//
//   v1 (current): `v: 1`, `exceededEmitted`, `closed`; byte counts (totals, plans, held
//       records) as JSON numbers, exact up to 2^63 − 1: in a value they are numbers up to
//       2^53 − 1 (all that was ever written before bigint totals) and bigints beyond, so
//       values stay plain JSON for JSON.stringify and the ingester's stringifyExact /
//       parseExact carry the large ones digit for digit.
import { DomainError, MAX_BYTE_COUNT, toWireInteger, type ValidationIssue } from '@mobilecs/domain';
import { z } from 'zod';
import { AgreementMatcher, type MatchingState } from './matcher';
import type { CountedCopy } from './copies';
import type { WindowState } from './window';

const NO_TIES: readonly CountedCopy[] = Object.freeze([]);

export const STATE_FORMAT_VERSION = 1;

export class SnapshotError extends DomainError {
  readonly reason = 'invalid-snapshot';
  constructor(
    readonly key: string | undefined,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(
      `cannot restore state${key === undefined ? '' : ` of key "${key}"`}: ${issues
        .map((i) => `${i.path || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
}

const safeInt = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
/** A byte count in a value: a safe-integer number, or a bigint up to 2^63 − 1. */
const bytes = z.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.bigint().min(0n).max(MAX_BYTE_COUNT)]);
const partition = z.number().int().min(0);

const storedAgreement = z.object({
  id: z.string(),
  msisdn: z.string(),
  signedAt: safeInt,
  serviceStartAt: safeInt,
  billingPeriodTimeZone: z.string(),
  maxBytesInBillingPeriod: bytes,
});

const storedRecord = z.object({
  externalId: z.string(),
  recordedAt: safeInt,
  msisdn: z.string(),
  recordedBytes: bytes,
  internalId: z.string(),
  source: z.object({ file: z.string(), line: z.number().int() }).optional(),
  /** Input offset it arrived at (absent in values written before copies were tracked). */
  offset: z.string().regex(/^\d+$/).optional(),
});

const matchingBody = {
  kind: z.literal('matching'),
  partition,
  msisdn: z.string(),
  agreements: z.array(storedAgreement),
  held: z.array(storedRecord),
};

const windowCommon = {
  kind: z.literal('window'),
  partition,
  agreementId: z.string(),
  year: z.number().int(),
  month: z.number().int().min(1).max(12),
  zone: z.string(),
  startMs: safeInt,
  endMs: safeInt,
  maxBytes: bytes,
  latestRecordedAt: safeInt.nullable(),
  latestInternalRecordId: z.string().nullable(),
};

const partitionBody = {
  kind: z.literal('partition'),
  partition,
  maxRecordedAt: safeInt.nullable(),
  appliedWatermark: safeInt.nullable(),
};

const matchingV1 = z.object({ v: z.literal(1), ...matchingBody });
const countedCopy = z.object({ internalId: z.string(), offset: z.string().regex(/^\d+$/).nullable() });
const windowV1 = z.object({
  v: z.literal(1),
  ...windowCommon,
  totalBytes: bytes,
  exceededEmitted: z.boolean(),
  closed: z.boolean(),
  // Absent in values written before copies were tracked: not known (see WindowState).
  latestOffset: z.number().int().min(0).nullable().optional(),
  latestTies: z.array(countedCopy).nullable().optional(),
});
const partitionV1 = z.object({ v: z.literal(1), ...partitionBody });

export type MatchingValue = z.output<typeof matchingV1>;
export type WindowValue = z.output<typeof windowV1>;
export type PartitionValue = z.output<typeof partitionV1>;
/** The changelog value of one key (null = deleted, a tombstone). */
export type StateValue = MatchingValue | WindowValue | PartitionValue;

/** Any known version of a key's value (v1 only), as the current one. */
export const stateValueSchema: z.ZodType<StateValue, unknown> = z.discriminatedUnion('kind', [matchingV1, windowV1, partitionV1]);

const entries = z.array(z.tuple([z.string(), stateValueSchema]));

export const processorSnapshotSchema = z.object({ version: z.literal(1), watermark: safeInt.nullable(), entries });

export interface ProcessorSnapshot {
  readonly version: 1;
  /** The processor watermark when taken. */
  readonly watermark: number | null;
  /** [key, value] sorted by key. */
  readonly entries: readonly (readonly [string, StateValue])[];
}

export function issuesOf(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export function matchingToValue(s: MatchingState): MatchingValue {
  return {
    v: 1,
    kind: 'matching',
    partition: s.partition,
    msisdn: s.msisdn,
    agreements: s.agreements.map((a) => ({ ...a, maxBytesInBillingPeriod: toWireInteger(a.maxBytesInBillingPeriod) })),
    held: s.held.map((r) => ({ ...r, recordedBytes: toWireInteger(r.recordedBytes) })),
  };
}

export function matchingFromValue(v: MatchingValue): MatchingState {
  // Restored state takes as little memory as state built live (see AgreementMatcher.compact).
  const empty = AgreementMatcher.empty(v.msisdn, v.partition);
  return {
    ...empty,
    agreements:
      v.agreements.length > 0 ? v.agreements.map((a) => AgreementMatcher.compact({ ...a, maxBytesInBillingPeriod: BigInt(a.maxBytesInBillingPeriod) })) : empty.agreements,
    held: v.held.length > 0 ? v.held.map((r) => ({ ...r, recordedBytes: BigInt(r.recordedBytes) })) : empty.held,
  };
}

export function windowToValue(w: WindowState): WindowValue {
  return {
    v: 1,
    kind: 'window',
    agreementId: w.agreementId,
    year: w.year,
    month: w.month,
    zone: w.zone,
    startMs: w.startMs,
    endMs: w.endMs,
    partition: w.partition,
    maxBytes: toWireInteger(w.maxBytes),
    totalBytes: toWireInteger(w.totalBytes),
    latestRecordedAt: w.latestRecordedAt,
    latestInternalRecordId: w.latestInternalRecordId,
    latestOffset: w.latestOffset,
    latestTies: w.latestTies === null ? null : [...w.latestTies],
    exceededEmitted: w.exceededEmitted,
    closed: w.closed,
  };
}

export function windowFromValue(v: WindowValue): WindowState {
  const { v: _v, kind: _kind, latestOffset, latestTies, ...w } = v;
  // Restored state shares the empty list, as state built live does.
  const ties = latestTies === undefined || latestTies === null ? null : latestTies.length === 0 ? NO_TIES : latestTies;
  return { ...w, maxBytes: BigInt(w.maxBytes), totalBytes: BigInt(w.totalBytes), latestOffset: latestOffset ?? null, latestTies: ties };
}

/** State keys: msisdn (digits) for matching, `${agreementId}|${year}-${month}` for windows, `partition:${n}` for watermark progress. */
export function partitionKey(p: number): string {
  return `partition:${p}`;
}
