// The generators' sequences as durable records: what a restart (or another replica)
// needs to continue exactly where the last call stopped. One record per generator and
// destination, keyed `<generator>|<destination>`: the agreements of one topic, the files
// of one folder, the direct records of one keyspace. A fresh destination starts from the
// beginning (the walkthrough's fixtures), the same destination continues.
import { z } from 'zod';
import { PlatformError } from '@mobilecs/platform';
import type { AgreementsState } from './generation/agreements';
import type { DataRecordFilesState } from './generation/data-record-files';

/** Where the generated data goes: the scope of each sequence. */
export interface SequenceScopes {
  /** The agreements topic. */
  agreements: string;
  /** The incoming folder (an absolute path: the same for every replica that mounts it). */
  files: string;
  /** The Cassandra keyspace of the direct data records. */
  dataRecords: string;
}

export type SequenceKind = keyof SequenceScopes;

export const sequenceKey = (kind: SequenceKind, scopes: SequenceScopes): string =>
  `${kind === 'dataRecords' ? 'data-records' : kind}|${scopes[kind]}`;

/**
 * Durable storage of the sequence records (latest value per key). Whoever loaded last is
 * the writer: a save after another replica has loaded is refused with
 * SequencesTakenOverError, so two replicas never continue from the same state.
 */
export interface SequenceStore {
  /** Reads the latest value of every key and becomes the writer. */
  load(): Promise<ReadonlyMap<string, string>>;
  /** Stores the values; resolves once they are durable. */
  save(entries: readonly (readonly [string, string])[]): Promise<void>;
  close(): Promise<void>;
}

/** Another replica has loaded (and maybe advanced) the sequences since this one did: load again. */
export class SequencesTakenOverError extends Error {
  constructor(cause?: unknown) {
    super('another generator-backend took over the sequences', { cause });
    this.name = 'SequencesTakenOverError';
  }
}

/** In memory, for tests and for a backend without Kafka: one writer, never taken over. */
export class MemorySequenceStore implements SequenceStore {
  readonly values = new Map<string, string>();
  saves = 0;
  async load(): Promise<ReadonlyMap<string, string>> {
    return new Map(this.values);
  }
  async save(entries: readonly (readonly [string, string])[]): Promise<void> {
    this.saves++;
    for (const [k, v] of entries) this.values.set(k, v);
  }
  async close(): Promise<void> {}
}

// ---- the records' values: JSON with a format version ----

const randomState = z.string().regex(/^\d{1,15}$/);
const agreementsSchema = z.object({
  v: z.literal(1),
  generated: z.number().int().nonnegative(),
  randoms: z.object({ id: randomState, signedAt: randomState, msisdn: randomState, plan: randomState }),
});
const filesSchema = z.object({
  v: z.literal(1),
  files: z.number().int().nonnegative(),
  nameRandom: randomState,
  populations: z.record(z.string().regex(/^[1-9]\d{0,8}$/), z.object({ days: z.number().int().nonnegative() })),
});
const dataRecordsSchema = z.object({ v: z.literal(1), begin: z.number().int() });

export const encodeAgreements = (s: AgreementsState): string => JSON.stringify({ v: 1, ...s });
export const encodeFiles = (s: DataRecordFilesState): string => JSON.stringify({ v: 1, ...s });
export const encodeDataRecords = (s: { begin: number }): string => JSON.stringify({ v: 1, ...s });

/** A stored value this version cannot read: start-up stops rather than reuse numbers. */
export class SequenceRecordError extends PlatformError {
  readonly code = 'SEQUENCE_RECORD_UNREADABLE';
  readonly retriable = false;
  constructor(key: string, reason: string) {
    super(`generator sequence record "${key}" cannot be read (${reason}); refusing to start from the beginning, which would reuse numbers`);
    this.name = 'SequenceRecordError';
  }
}

function decode<T>(key: string, value: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new SequenceRecordError(key, 'not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new SequenceRecordError(key, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

export const decodeAgreements = (key: string, value: string): AgreementsState => {
  const { v: _v, ...s } = decode(key, value, agreementsSchema);
  return s;
};
export const decodeFiles = (key: string, value: string): DataRecordFilesState => {
  const { v: _v, ...s } = decode(key, value, filesSchema);
  return s;
};
export const decodeDataRecords = (key: string, value: string): { begin: number } => {
  const { v: _v, ...s } = decode(key, value, dataRecordsSchema);
  return s;
};
