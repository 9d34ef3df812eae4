// The deterministic internal record id (system.md §3). UUIDv5 is a SHA-1 name-based
// UUID: the same name always gives the same id, so a re-import of the same record gets
// the same id and Cassandra's upsert / the window's dedupe cannot count it twice, while
// two operators reusing an externalId give different names (msisdn, time, bytes differ).
import { parse as uuidParse, v5 as uuidv5 } from 'uuid';

/** Fixed namespace of mobilecs internal record ids. Never change it: ids would change. */
export const INTERNAL_RECORD_ID_NAMESPACE = '6f0c1d9e-3b1a-4c55-9a7e-2d8b5e4f7a10';

export interface RecordIdentity {
  /** The operator's id (lower-case UUID text). */
  readonly externalId: string;
  readonly msisdn: string;
  /** Epoch milliseconds. */
  readonly recordedAt: number;
  /** Written in decimal digits: a bigint and a number of the same value give the same name. */
  readonly recordedBytes: bigint | number;
}

/**
 * The exact name hashed: `mobilecs/data-record/v1;<externalId>;<msisdn>;<recordedAt epoch ms>;<recordedBytes>`,
 * e.g. `mobilecs/data-record/v1;523d8cc7-e611-3508-90bc-fab260b2973e;48917846822;1578697200000;362570622`.
 * The externalId is lower-cased so its letter case does not matter.
 */
export function internalRecordIdName(r: RecordIdentity): string {
  return `mobilecs/data-record/v1;${r.externalId.toLowerCase()};${r.msisdn};${r.recordedAt};${r.recordedBytes}`;
}

// The namespace parsed once and the name given as UTF-8 bytes: uuid would otherwise parse
// the namespace and UTF-8-encode the name by hand on every call (a hot path of the importer).
const NAMESPACE_BYTES = uuidParse(INTERNAL_RECORD_ID_NAMESPACE);

/** UUIDv5(INTERNAL_RECORD_ID_NAMESPACE, internalRecordIdName(r)). */
export function internalRecordId(r: RecordIdentity): string {
  return uuidv5(Buffer.from(internalRecordIdName(r), 'utf8'), NAMESPACE_BYTES);
}
