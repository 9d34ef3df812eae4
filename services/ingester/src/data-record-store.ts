import type { DataRecord } from '@mobilecs/domain';
import type { CassandraClient, Logger } from '@mobilecs/platform';
import { copyKey, type CopyKeyFields, type RecordArrival, type StoredCopy } from '@mobilecs/windowing';
import { types } from 'cassandra-driver';
import type { IngesterMetrics } from './ingester-metrics';

/** A row to write: the record and where the copy that is counted arrived. */
export interface StoredRow {
  readonly record: DataRecord;
  readonly arrival?: RecordArrival;
}

/**
 * Upserts data records into <keyspace>.data_record: prepared, idempotent (same primary
 * key = same row), bounded concurrency, and retried with backoff for as long as it
 * takes — the caller commits the input offsets only after every write succeeded.
 * Rows of one Cassandra partition (agreement, year, month) go together as unlogged
 * batches of up to `batchRows`: one request and one mutation per batch instead of one
 * per row (the benchmark's Cassandra ceiling is several times higher this way), and
 * such a batch is still atomic, being within one partition.
 */
export class DataRecordStore {
  healthy = true;
  private readonly insert: string;
  private readonly delete: string;
  private readonly select: string;

  constructor(
    private readonly client: CassandraClient,
    keyspace: string,
    private readonly concurrency: number,
    private readonly metrics: IngesterMetrics,
    private readonly log: Logger,
    private readonly batchRows: number,
  ) {
    this.delete = `DELETE FROM ${keyspace}.data_record WHERE agreement_id = ? AND year = ? AND month = ? AND recorded_at = ? AND internal_record_id = ?`;
    this.insert =
      `INSERT INTO ${keyspace}.data_record (agreement_id, year, month, recorded_at, internal_record_id, recorded_bytes, input_partition, input_offset, source_file, source_line) ` +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
    this.select =
      `SELECT input_partition, input_offset, source_file, source_line FROM ${keyspace}.data_record ` +
      'WHERE agreement_id = ? AND year = ? AND month = ? AND recorded_at = ? AND internal_record_id = ?';
  }

  /**
   * The stored copies of these records (null: no row), by copyKey: what the windows need
   * to tell a second copy of a record from a new one (see @mobilecs/windowing copies.ts).
   * Point reads by primary key, bounded concurrency, retried like writes.
   */
  async storedCopies(keys: readonly CopyKeyFields[], keepAlive: () => Promise<void>): Promise<Map<string, StoredCopy | null>> {
    const out = new Map<string, StoredCopy | null>();
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const k = keys[next++]!;
        const rs = await this.retrying('read', keepAlive, () =>
          this.client.execute(this.select, [k.agreementId, k.year, k.month, new Date(k.recordedAt), k.internalRecordId], { prepare: true, isIdempotent: true }),
        );
        const row = rs.first();
        if (!row) {
          out.set(copyKey(k), null);
          continue;
        }
        const offset = row.get('input_offset') as bigint | null;
        const file = row.get('source_file') as string | null;
        const line = row.get('source_line') as number | null;
        out.set(copyKey(k), {
          partition: row.get('input_partition') as number | null,
          offset: offset === null ? null : offset.toString(),
          ...(file !== null && line !== null ? { source: { file, line } } : {}),
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, keys.length) }, worker));
    return out;
  }

  /**
   * Removes rows written for input that was then set aside as a dead letter (its
   * transaction could never commit), so Cassandra holds only what the windows count.
   * Idempotent: a replay after a crash deletes again.
   */
  async deleteAll(records: readonly CopyKeyFields[]): Promise<void> {
    for (const r of records) {
      await this.client.execute(this.delete, [r.agreementId, r.year, r.month, new Date(r.recordedAt), r.internalRecordId], { prepare: true, isIdempotent: true });
    }
  }

  async writeAll(records: readonly StoredRow[], keepAlive: () => Promise<void>): Promise<void> {
    const groups = this.groups(records);
    let next = 0;
    const worker = async () => {
      while (next < groups.length) {
        const g = groups[next++]!;
        await this.write(g, keepAlive);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, groups.length) }, worker));
  }

  /** Records by Cassandra partition, in chunks of at most batchRows. */
  private groups(records: readonly StoredRow[]): StoredRow[][] {
    const byPartition = new Map<string, StoredRow[][]>();
    const out: StoredRow[][] = [];
    for (const r of records) {
      const key = `${r.record.agreementId}|${r.record.year}|${r.record.month}`;
      let chunks = byPartition.get(key);
      if (!chunks) byPartition.set(key, (chunks = []));
      let last = chunks[chunks.length - 1];
      if (!last || last.length >= this.batchRows) {
        chunks.push((last = []));
        out.push(last);
      }
      last.push(r);
    }
    return out;
  }

  private params({ record: r, arrival: a }: StoredRow): unknown[] {
    // Unknown values are left unset, not written as null: a null is a tombstone per cell.
    return [
      r.agreementId,
      r.year,
      r.month,
      new Date(r.recordedAt),
      r.internalRecordId,
      r.recordedBytes, // a bigint: exact in the CQL bigint column (useBigIntAsLong)
      a ? a.partition : types.unset,
      a ? BigInt(a.offset) : types.unset,
      a?.source ? a.source.file : types.unset,
      a?.source ? a.source.line : types.unset,
    ];
  }

  private async write(rows: StoredRow[], keepAlive: () => Promise<void>): Promise<void> {
    await this.retrying('write', keepAlive, async () => {
      const end = this.metrics.cassandraWriteSeconds.startTimer();
      if (rows.length === 1) await this.client.execute(this.insert, this.params(rows[0]!), { prepare: true, isIdempotent: true });
      else await this.client.batch(rows.map((r) => ({ query: this.insert, params: this.params(r) })), { prepare: true, logged: false, isIdempotent: true });
      end();
    });
  }

  /** Runs a Cassandra request until it succeeds, with backoff: the caller's input waits meanwhile. */
  private async retrying<T>(what: 'read' | 'write', keepAlive: () => Promise<void>, op: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await op();
        if (!this.healthy) this.log.info(`Cassandra ${what}s succeed again: resuming`);
        this.healthy = true;
        return result;
      } catch (err) {
        this.metrics.cassandraFailures.inc();
        if (this.healthy) this.log.error({ err }, `Cassandra ${what} failed: pausing consumption and retrying with backoff`);
        this.healthy = false;
        await keepAlive().catch(() => undefined);
        await new Promise((res) => setTimeout(res, Math.min(5000, 100 * 2 ** Math.min(attempt, 6))));
      }
    }
  }
}
