// Copies of one data record (same internal id): a re-sent export, a copied file, a second
// importer. A billing period counts a record once, whatever path brought it (issue 18).
//
// The window cannot keep every id it counted (~700 a month per subscriber, 16+ bytes
// each, rewritten to the changelog on every change). It keeps only the latest recordedAt
// and the ids counted at exactly that instant. Since a copy has the same recordedAt as
// its original, a record later than the window's latest is certainly new — the common
// case, records of one msisdn arriving in time order — and one at the latest instant is
// a copy exactly when its id is listed. Only a record earlier than the latest (out of
// order) is uncertain: the store, which holds every counted record, decides, and each
// stored row names the input position that wrote it, so the ingester replaying its own
// uncommitted work is told apart from a second copy.
import type { DataRecord, RecordSource } from '@mobilecs/domain';

/** Where one copy of a record entered: its input partition and offset, and its file and line if known. */
export interface RecordArrival {
  readonly partition: number;
  /** Offset on the input topic (decimal). */
  readonly offset: string;
  readonly source?: RecordSource;
}

/** A copy the store holds: the arrival that wrote it (partition and offset null: written by a writer that records none). */
export interface StoredCopy {
  readonly partition: number | null;
  readonly offset: string | null;
  readonly source?: RecordSource;
}

/** Store look-ups for one unit of work, by copyKey: null = no row. */
export type StoredCopies = ReadonlyMap<string, StoredCopy | null>;

/** The store's identity of a record (Cassandra's primary key of data_record). */
export type CopyKeyFields = Pick<DataRecord, 'agreementId' | 'year' | 'month' | 'recordedAt' | 'internalRecordId'>;

export function copyKey(r: CopyKeyFields): string {
  return `${r.agreementId}|${r.year}-${r.month}|${r.recordedAt}|${r.internalRecordId}`;
}

/** A copy counted at the window's latest instant. */
export interface CountedCopy {
  readonly internalId: string;
  /** Input offset of the arrival that was counted (null: not known, e.g. a pure test). */
  readonly offset: string | null;
}

/** A record not counted because its billing period already counted a copy of it. */
export interface DuplicateOutput {
  readonly kind: 'duplicate';
  readonly partition: number;
  /** The agreement id. */
  readonly key: string;
  readonly timestampMs: number;
  readonly record: DataRecord;
  /** This copy. */
  readonly second: RecordArrival | null;
  /** The copy that was counted, as far as it is known. */
  readonly first: { readonly partition: number | null; readonly offset: string | null; readonly source?: RecordSource };
}

/**
 * The processor met an uncertain record (earlier than its window's latest) whose store
 * look-up it was not given: the shell must look `keys` up and process the input again.
 */
export class StoredCopyLookupMissing extends Error {
  readonly reason = 'stored-copy-lookup-missing';
  constructor(readonly keys: readonly CopyKeyFields[]) {
    super(`store look-up missing for ${keys.length} record(s), first ${copyKey(keys[0]!)}`);
  }
}
