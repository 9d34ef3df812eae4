// <keyspace>.data_record (schema.ts) in the domain's words: its CQL, written once, the
// mapping of its rows to and from DataRecord, and the ways the services read and write
// it. Plain I/O: no retries, no metrics. Every method sends its requests through a
// `send` the caller may pass (retries with backoff, timers, counters); by default each
// request is sent once.
import type { DataRecord } from '@mobilecs/domain';
import type { CopyKeyFields, RecordArrival, StoredCopy } from '@mobilecs/windowing';
import { types } from 'cassandra-driver';
import type { CassandraClient } from './client';

/** A row to write: the record and, when known, where the copy that is counted arrived. */
export interface DataRecordRow {
  readonly record: DataRecord;
  readonly arrival?: RecordArrival;
}

/** The primary key of a row: agreement, billing period (the Cassandra partition), instant, id. */
export type DataRecordKey = CopyKeyFields;

/** How one CQL request is sent: `request()` sends it; a caller may retry, time or count it. */
export type SendRequest = <T>(request: () => Promise<T>) => Promise<T>;

const sendOnce: SendRequest = (request) => request();

export interface InsertOptions {
  /** Most rows in one unlogged batch (1: every row is a request of its own). */
  readonly batchRows: number;
  /** Most requests in flight at once. */
  readonly concurrency: number;
  readonly send?: SendRequest;
}

const keyspaceName = /^[a-z][a-z0-9_]{0,47}$/;
const keyColumns = 'agreement_id = ? AND year = ? AND month = ?';
const primaryKeyColumns = `${keyColumns} AND recorded_at = ? AND internal_record_id = ?`;
/** Rows a page of `find` brings at most. */
const pageRows = 5000;

interface Row {
  get(name: string): unknown;
}

/** A bigint from a driver value: bigint (useBigIntAsLong), a Long or Integer (varint), or null (0). */
function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (v === null || v === undefined) return 0n;
  return BigInt((v as { toString(): string }).toString());
}

function toRecord(row: Row): DataRecord {
  return {
    agreementId: String(row.get('agreement_id')),
    year: Number(row.get('year')),
    month: Number(row.get('month')),
    recordedAt: (row.get('recorded_at') as Date).getTime(),
    internalRecordId: String(row.get('internal_record_id')),
    recordedBytes: toBigInt(row.get('recorded_bytes')),
  };
}

function toStoredCopy(row: Row): StoredCopy {
  const offset = row.get('input_offset') as bigint | null;
  const file = row.get('source_file') as string | null;
  const line = row.get('source_line') as number | null;
  return {
    partition: row.get('input_partition') as number | null,
    offset: offset === null ? null : offset.toString(),
    ...(file !== null && line !== null ? { source: { file, line } } : {}),
  };
}

function keyParams(k: DataRecordKey): unknown[] {
  return [k.agreementId, k.year, k.month, new Date(k.recordedAt), k.internalRecordId];
}

function insertParams({ record: r, arrival: a }: DataRecordRow): unknown[] {
  // Unknown values are left unset, not written as null: a null is a tombstone per cell,
  // and an unset leaves a cell an earlier write set as it was.
  return [
    ...keyParams(r),
    r.recordedBytes, // a bigint: exact in the CQL bigint column (useBigIntAsLong)
    a ? a.partition : types.unset,
    a ? BigInt(a.offset) : types.unset,
    a?.source ? a.source.file : types.unset,
    a?.source ? a.source.line : types.unset,
  ];
}

/** Runs `each` over `items` with at most `concurrency` of them in flight. */
async function forEachConcurrently<T>(items: readonly T[], concurrency: number, each: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await each(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * Rows by Cassandra partition (agreement, year, month), in chunks of at most `batchRows`,
 * each chunk in the order its first row came.
 */
export function dataRecordBatches<R extends DataRecordRow>(rows: readonly R[], batchRows: number): R[][] {
  const byPartition = new Map<string, R[][]>();
  const out: R[][] = [];
  for (const r of rows) {
    const key = `${r.record.agreementId}|${r.record.year}|${r.record.month}`;
    let chunks = byPartition.get(key);
    if (!chunks) byPartition.set(key, (chunks = []));
    let last = chunks[chunks.length - 1];
    if (!last || last.length >= batchRows) {
      chunks.push((last = []));
      out.push(last);
    }
    last.push(r);
  }
  return out;
}

/** A page token (pageState) that this table did not give out. */
export class InvalidPageStateError extends Error {
  constructor(readonly pageState: string) {
    super(`pageState ${JSON.stringify(pageState.slice(0, 40))}${pageState.length > 40 ? '…' : ''} is not a page token of this query: use the X-Next-Page-State of the previous page, or leave it out for the first page`);
    this.name = 'InvalidPageStateError';
  }
}

/**
 * <keyspace>.data_record: one row per data record, partitioned by billing period
 * (agreement, year, month), newest first within it. Statements are prepared and writes
 * idempotent (same primary key = same row).
 */
export class DataRecordTable {
  private readonly insertCql: string;
  private readonly selectCql: string;
  private readonly sumCql: string;
  private readonly selectArrivalCql: string;
  private readonly deleteCql: string;

  constructor(
    private readonly client: CassandraClient,
    keyspace: string,
  ) {
    if (!keyspaceName.test(keyspace)) throw new RangeError(`invalid keyspace "${keyspace}"`);
    const table = `${keyspace}.data_record`;
    this.insertCql =
      `INSERT INTO ${table} (agreement_id, year, month, recorded_at, internal_record_id, recorded_bytes, input_partition, input_offset, source_file, source_line) ` +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
    this.selectCql = `SELECT agreement_id, year, month, recorded_at, internal_record_id, recorded_bytes FROM ${table} WHERE ${keyColumns}`;
    // Summed as varint (arbitrary precision) in Cassandra: sum() over the bigint column would
    // wrap around silently past 2^63 − 1 (Java long arithmetic); a varint sum is exact.
    this.sumCql = `SELECT sum(CAST(recorded_bytes AS varint)) AS total FROM ${table} WHERE ${keyColumns}`;
    this.selectArrivalCql = `SELECT input_partition, input_offset, source_file, source_line FROM ${table} WHERE ${primaryKeyColumns}`;
    this.deleteCql = `DELETE FROM ${table} WHERE ${primaryKeyColumns}`;
  }

  /**
   * Upserts rows. Rows of one Cassandra partition (agreement, year, month) go together as
   * unlogged batches of up to `batchRows`: one request and one mutation per batch instead
   * of one per row (the benchmark's Cassandra ceiling is several times higher this way),
   * and such a batch is still atomic, being within one partition. At most `concurrency`
   * requests in flight; each goes through `send`. Resolves when every row is written.
   */
  async insert(rows: readonly DataRecordRow[], { batchRows, concurrency, send = sendOnce }: InsertOptions): Promise<void> {
    await forEachConcurrently(dataRecordBatches(rows, batchRows), concurrency, (batch) => send(() => this.insertBatch(batch)));
  }

  /**
   * One request: a prepared INSERT for a single row, an unlogged batch for several (which
   * should be rows of one partition: see `insert`).
   */
  async insertBatch(rows: readonly DataRecordRow[]): Promise<void> {
    if (rows.length === 1) await this.client.execute(this.insertCql, insertParams(rows[0]!), { prepare: true, isIdempotent: true });
    else await this.client.batch(rows.map((r) => ({ query: this.insertCql, params: insertParams(r) })), { prepare: true, logged: false, isIdempotent: true });
  }

  /** The records of one billing period, newest first (clustering order), read page by page (each page a request through `send`). */
  async find(agreementId: string, year: number, month: number, send: SendRequest = sendOnce): Promise<DataRecord[]> {
    const out: DataRecord[] = [];
    let pageState: string | undefined;
    do {
      const rs = await send(() =>
        this.client.execute(this.selectCql, [agreementId, year, month], { prepare: true, fetchSize: pageRows, ...(pageState ? { pageState } : {}) }),
      );
      for (const row of rs.rows as Row[]) out.push(toRecord(row));
      pageState = rs.pageState ?? undefined;
    } while (pageState);
    return out;
  }

  /**
   * One page of a billing period's records, newest first: at most `limit` rows from where
   * `pageState` (the token a previous page gave, Cassandra's paging state) left off, and
   * the next page's token (null on the last page). A token that is not one of ours is an
   * InvalidPageStateError.
   */
  async findPage(agreementId: string, year: number, month: number, limit: number, pageState?: string, send: SendRequest = sendOnce): Promise<{ records: DataRecord[]; nextPageState: string | null }> {
    if (pageState !== undefined && !/^[0-9a-f]{2,8192}$/.test(pageState)) throw new InvalidPageStateError(pageState);
    let rs;
    try {
      rs = await send(() => this.client.execute(this.selectCql, [agreementId, year, month], { prepare: true, fetchSize: limit, ...(pageState ? { pageState } : {}) }));
    } catch (err) {
      // Cassandra refuses a forged or foreign paging state as an invalid request.
      const e = err as { code?: unknown; message?: unknown };
      if (pageState !== undefined && (e.code === 0x2200 || e.code === 0x000a || (typeof e.message === 'string' && /paging state/i.test(e.message)))) throw new InvalidPageStateError(pageState);
      throw err;
    }
    return { records: (rs.rows as Row[]).map(toRecord), nextPageState: rs.pageState ?? null };
  }

  /** Sum of the recorded bytes of one billing period, exact (0 when there is none). */
  async totalBytes(agreementId: string, year: number, month: number, send: SendRequest = sendOnce): Promise<bigint> {
    const rs = await send(() => this.client.execute(this.sumCql, [agreementId, year, month], { prepare: true }));
    return toBigInt(rs.first()?.get('total'));
  }

  /**
   * Where the stored copy of each record arrived, in the order of `keys` (null: no row):
   * point reads by primary key, at most `concurrency` in flight, each through `send`.
   */
  async storedCopies(keys: readonly DataRecordKey[], concurrency: number, send: SendRequest = sendOnce): Promise<(StoredCopy | null)[]> {
    const out = new Array<StoredCopy | null>(keys.length);
    await forEachConcurrently(keys, concurrency, async (k, i) => {
      const rs = await send(() => this.client.execute(this.selectArrivalCql, keyParams(k), { prepare: true, isIdempotent: true }));
      const row = rs.first();
      out[i] = row ? toStoredCopy(row) : null;
    });
    return out;
  }

  /** Deletes the rows of these keys, one after another. Idempotent. */
  async deleteAll(keys: readonly DataRecordKey[], send: SendRequest = sendOnce): Promise<void> {
    for (const k of keys) {
      await send(() => this.client.execute(this.deleteCql, keyParams(k), { prepare: true, isIdempotent: true }));
    }
  }
}
