import { DataRecordTable, type CassandraClient, type DataRecordRow, type Logger } from '@mobilecs/platform';
import { copyKey, type CopyKeyFields, type StoredCopy } from '@mobilecs/windowing';
import type { IngesterMetrics } from './ingester-metrics';

/** A row to write: the record and where the copy that is counted arrived. */
export type StoredRow = DataRecordRow;

/**
 * The ingester's <keyspace>.data_record (platform's DataRecordTable, which batches rows
 * of one Cassandra partition into unlogged batches of up to `batchRows`): bounded
 * concurrency, and every read and write retried with backoff for as long as it takes —
 * the caller commits the input offsets only after every write succeeded. Counts failures
 * and times writes.
 */
export class DataRecordStore {
  healthy = true;
  private readonly table: DataRecordTable;

  constructor(
    client: CassandraClient,
    keyspace: string,
    private readonly concurrency: number,
    private readonly metrics: IngesterMetrics,
    private readonly log: Logger,
    private readonly batchRows: number,
  ) {
    this.table = new DataRecordTable(client, keyspace);
  }

  /**
   * The stored copies of these records (null: no row), by copyKey: what the windows need
   * to tell a second copy of a record from a new one (see @mobilecs/windowing copies.ts).
   * Point reads by primary key, bounded concurrency, retried like writes.
   */
  async storedCopies(keys: readonly CopyKeyFields[], keepAlive: () => Promise<void>): Promise<Map<string, StoredCopy | null>> {
    const copies = await this.table.storedCopies(keys, this.concurrency, (read) => this.retrying('read', keepAlive, read));
    return new Map(keys.map((k, i) => [copyKey(k), copies[i] ?? null]));
  }

  /**
   * Removes rows written for input that was then set aside as a dead letter (its
   * transaction could never commit), so Cassandra holds only what the windows count.
   * Idempotent: a replay after a crash deletes again.
   */
  async deleteAll(records: readonly CopyKeyFields[]): Promise<void> {
    await this.table.deleteAll(records);
  }

  async writeAll(records: readonly StoredRow[], keepAlive: () => Promise<void>): Promise<void> {
    await this.table.insert(records, {
      batchRows: this.batchRows,
      concurrency: this.concurrency,
      send: (write) =>
        this.retrying('write', keepAlive, async () => {
          const end = this.metrics.cassandraWriteSeconds.startTimer();
          const result = await write();
          end();
          return result;
        }),
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
