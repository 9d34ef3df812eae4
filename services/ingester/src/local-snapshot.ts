// The file format of a local state snapshot of one input partition (Kafka Streams'
// state store + checkpoint, in one file): the partition's keyed state entries and the
// changelog offset they cover. Pure: bytes in, bytes out; the files are written by
// local-snapshot-files.ts and used by local-snapshots.ts.
//
//   line 1: header  {"format":"mobilecs-ingester-state","version":1,"bodyBytes":N,"sha256":"<hex of the body>"}
//   body:   {"topic":…,"partition":…,"offset":"<next changelog offset>","writtenAt":<ms>,"entries":<count>}
//           then one line per entry: [key, value]   (exact JSON: values may hold bigints)
//
// One line per entry keeps a rare 16-digit number on lossless-json's slow path for that
// line only, and JSON text never holds a raw newline, so splitting on '\n' is safe.
import { createHash } from 'node:crypto';
import { parseExact, stringifyExact } from '@mobilecs/domain';

export const SNAPSHOT_FORMAT = 'mobilecs-ingester-state';
export const SNAPSHOT_VERSION = 1;

/** What a snapshot covers: the state after reading `topic`/`partition` up to (not including) `offset`. */
export interface SnapshotMeta {
  topic: string;
  partition: number;
  /** The next changelog offset to read: entries at or after it are not in the snapshot. */
  offset: bigint;
  /** Wall clock when the state was taken (ms): a tombstone written later is kept by compaction for delete.retention.ms. */
  writtenAt: number;
}

export interface Snapshot extends SnapshotMeta {
  /** The partition's live keys and their changelog values (no tombstones). */
  entries: [string, unknown][];
}

/** Why a snapshot file is not used. */
export class SnapshotRejected extends Error {
  override readonly name = 'SnapshotRejected';
  constructor(readonly reason: 'malformed' | 'checksum' | 'version' | 'other-topic' | 'other-partition', detail: string) {
    super(detail);
  }
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The file's bytes. */
export function encodeSnapshot(s: Snapshot): Buffer {
  return assembleSnapshot(s, s.entries.map(entryLine));
}

/** One entry's line (exact JSON). */
export const entryLine = (e: readonly [string, unknown]): string => stringifyExact(e);

/** The file's bytes from the entries' lines (so a caller can encode them a slice at a time). */
export function assembleSnapshot(s: SnapshotMeta, entryLines: string[]): Buffer {
  // Joined a slice at a time: the whole body as one string could pass V8's longest string (~512 MiB).
  const parts = [Buffer.from(stringifyExact({ topic: s.topic, partition: s.partition, offset: s.offset.toString(), writtenAt: s.writtenAt, entries: entryLines.length }), 'utf8')];
  for (let i = 0; i < entryLines.length; i += 5000) parts.push(Buffer.from('\n' + entryLines.slice(i, i + 5000).join('\n'), 'utf8'));
  const body = Buffer.concat(parts);
  const header = JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, bodyBytes: body.length, sha256: sha256(body) });
  return Buffer.concat([Buffer.from(header + '\n', 'utf8'), body]);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The snapshot in `bytes`, checked whole: format and version, length and SHA-256 of the
 * body, every line, and that it is of `expected` topic and partition. Throws
 * SnapshotRejected with the reason otherwise.
 */
export function decodeSnapshot(bytes: Buffer, expected: { topic: string; partition: number }): Snapshot {
  const nl = bytes.indexOf(0x0a);
  if (nl < 0) throw new SnapshotRejected('malformed', 'no header line');
  let header: unknown;
  try {
    header = JSON.parse(bytes.subarray(0, nl).toString('utf8'));
  } catch (err) {
    throw new SnapshotRejected('malformed', `header is not JSON: ${(err as Error).message}`);
  }
  if (!isRecord(header) || header.format !== SNAPSHOT_FORMAT) throw new SnapshotRejected('malformed', `not a ${SNAPSHOT_FORMAT} file`);
  if (header.version !== SNAPSHOT_VERSION) throw new SnapshotRejected('version', `format version ${JSON.stringify(header.version)}, this ingester reads ${SNAPSHOT_VERSION}`);
  const body = bytes.subarray(nl + 1);
  if (header.bodyBytes !== body.length) throw new SnapshotRejected('checksum', `body is ${body.length} bytes, header says ${JSON.stringify(header.bodyBytes)} (truncated?)`);
  if (typeof header.sha256 !== 'string' || header.sha256 !== sha256(body)) throw new SnapshotRejected('checksum', 'SHA-256 of the body does not match the header');
  // Line by line from the bytes (never the whole body as one string, see assembleSnapshot).
  const lines: string[] = [];
  for (let start = 0; ; ) {
    const end = body.indexOf(0x0a, start);
    lines.push(body.toString('utf8', start, end < 0 ? body.length : end));
    if (end < 0) break;
    start = end + 1;
  }
  let meta: unknown;
  try {
    meta = parseExact(lines[0]!);
  } catch (err) {
    throw new SnapshotRejected('malformed', `body header is not JSON: ${(err as Error).message}`);
  }
  if (
    !isRecord(meta) ||
    typeof meta.topic !== 'string' ||
    !Number.isSafeInteger(meta.partition) ||
    typeof meta.offset !== 'string' ||
    !/^\d+$/.test(meta.offset) ||
    !Number.isSafeInteger(meta.writtenAt) ||
    !Number.isSafeInteger(meta.entries)
  ) {
    throw new SnapshotRejected('malformed', 'body header lacks topic, partition, offset, writtenAt or entries');
  }
  if (meta.topic !== expected.topic) throw new SnapshotRejected('other-topic', `snapshot of topic ${meta.topic}, not ${expected.topic}`);
  if (meta.partition !== expected.partition) throw new SnapshotRejected('other-partition', `snapshot of partition ${String(meta.partition)}, not ${expected.partition}`);
  if (lines.length - 1 !== meta.entries) throw new SnapshotRejected('malformed', `${lines.length - 1} entries, header says ${String(meta.entries)}`);
  const entries: [string, unknown][] = [];
  for (let i = 1; i < lines.length; i++) {
    let e: unknown;
    try {
      e = parseExact(lines[i]!);
    } catch (err) {
      throw new SnapshotRejected('malformed', `entry ${i} is not JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || e[1] === null) throw new SnapshotRejected('malformed', `entry ${i} is not [key, value]`);
    entries.push([e[0], e[1]]);
  }
  return { topic: meta.topic, partition: meta.partition, offset: BigInt(meta.offset), writtenAt: meta.writtenAt as number, entries };
}
