import type { DataRecord } from '@mobilecs/domain';
import type { CassandraClient, Logger } from '@mobilecs/platform';
import type { IngesterMetrics } from './ingester-metrics';

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

  constructor(
    private readonly client: CassandraClient,
    keyspace: string,
    private readonly concurrency: number,
    private readonly metrics: IngesterMetrics,
    private readonly log: Logger,
    private readonly batchRows: number,
  ) {
    this.delete = `DELETE FROM ${keyspace}.data_record WHERE agreement_id = ? AND year = ? AND month = ? AND recorded_at = ? AND internal_record_id = ?`;
    this.insert = `INSERT INTO ${keyspace}.data_record (agreement_id, year, month, recorded_at, internal_record_id, recorded_bytes) VALUES (?, ?, ?, ?, ?, ?)`;
  }

  /**
   * Removes rows written for input that was then set aside as a dead letter (its
   * transaction could never commit), so Cassandra holds only what the windows count.
   * Idempotent: a replay after a crash deletes again.
   */
  async deleteAll(records: readonly DataRecord[]): Promise<void> {
    for (const r of records) {
      await this.client.execute(this.delete, [r.agreementId, r.year, r.month, new Date(r.recordedAt), r.internalRecordId], { prepare: true, isIdempotent: true });
    }
  }

  async writeAll(records: readonly DataRecord[], keepAlive: () => Promise<void>): Promise<void> {
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
  private groups(records: readonly DataRecord[]): DataRecord[][] {
    const byPartition = new Map<string, DataRecord[][]>();
    const out: DataRecord[][] = [];
    for (const r of records) {
      const key = `${r.agreementId}|${r.year}|${r.month}`;
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

  private params(r: DataRecord): unknown[] {
    return [r.agreementId, r.year, r.month, new Date(r.recordedAt), r.internalRecordId, r.recordedBytes]; // a bigint: exact in the CQL bigint column (useBigIntAsLong)
  }

  private async write(rows: DataRecord[], keepAlive: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const end = this.metrics.cassandraWriteSeconds.startTimer();
      try {
        if (rows.length === 1) await this.client.execute(this.insert, this.params(rows[0]!), { prepare: true, isIdempotent: true });
        else await this.client.batch(rows.map((r) => ({ query: this.insert, params: this.params(r) })), { prepare: true, logged: false, isIdempotent: true });
        end();
        if (!this.healthy) this.log.info('Cassandra writes succeed again: resuming');
        this.healthy = true;
        return;
      } catch (err) {
        this.metrics.cassandraFailures.inc();
        if (this.healthy) this.log.error({ err }, 'Cassandra write failed: pausing consumption and retrying with backoff');
        this.healthy = false;
        await keepAlive().catch(() => undefined);
        await new Promise((res) => setTimeout(res, Math.min(5000, 100 * 2 ** Math.min(attempt, 6))));
      }
    }
  }
}
