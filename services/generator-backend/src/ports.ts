// What the HTTP layer needs from the outside world; main.ts wires the real ones
// (Kafka, the incoming folder, Cassandra), tests may wire others.
import type { Agreement, DataRecord } from '@mobilecs/domain';

export interface AgreementPublisher {
  /** Resolves only after Kafka acknowledged every agreement (acks=all). */
  publish(agreements: readonly Agreement[]): Promise<void>;
}

export interface IncomingFolder {
  /**
   * Writes the lines (each followed by '\n') to tmp_<uuid> in the folder, then moves
   * the file to `fileName`. Resolves 'written', or 'unchanged' when an identical file
   * is already there; rejects with FileConflictError if a different one is.
   */
  writeFile(fileName: string, lines: Iterable<string>): Promise<'written' | 'unchanged'>;
}

/** A row of <keyspace>.data_record: the domain's DataRecord (byte counts bigint, exact whatever their size). */
export type StoredDataRecord = DataRecord;

export interface DataRecordStore {
  /** The records of one billing period, newest first. */
  find(agreementId: string, year: number, month: number): Promise<StoredDataRecord[]>;
  /** Sum of recorded bytes of one billing period (0 when there is none). */
  totalBytes(agreementId: string, year: number, month: number): Promise<bigint>;
  /** Idempotent upserts (same primary key → same row). */
  upsert(records: readonly StoredDataRecord[]): Promise<void>;
}

/** Records read a page at a time (the dashboard's records table). */
export interface DataRecordPages {
  /** At most `limit` records, newest first, after `pageState`; the next page's token or null. */
  findPage(agreementId: string, year: number, month: number, limit: number, pageState?: string): Promise<{ records: StoredDataRecord[]; nextPageState: string | null }>;
}
