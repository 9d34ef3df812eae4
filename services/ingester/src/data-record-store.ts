import type { DataRecord } from '@mobilecs/domain';
import type { CassandraClient, Logger } from '@mobilecs/platform';
import type { IngesterMetrics } from './ingester-metrics';

/**
 * Upserts data records into <keyspace>.data_record: prepared, idempotent (same primary
 * key = same row), bounded concurrency, and retried with backoff for as long as it
 * takes — the caller commits the input offsets only after every write succeeded.
 */
export class DataRecordStore {
  healthy = true;
  private readonly insert: string;

  constructor(
    private readonly client: CassandraClient,
    keyspace: string,
    private readonly concurrency: number,
    private readonly metrics: IngesterMetrics,
    private readonly log: Logger,
  ) {
    this.insert = `INSERT INTO ${keyspace}.data_record (agreement_id, year, month, recorded_at, internal_record_id, recorded_bytes) VALUES (?, ?, ?, ?, ?, ?)`;
  }

  async writeAll(records: readonly DataRecord[], keepAlive: () => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const r = records[next++]!;
        await this.writeOne(r, keepAlive);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, records.length) }, worker));
  }

  private async writeOne(r: DataRecord, keepAlive: () => Promise<void>): Promise<void> {
    const params = [r.agreementId, r.year, r.month, new Date(r.recordedAt), r.internalRecordId, BigInt(r.recordedBytes)];
    for (let attempt = 0; ; attempt++) {
      const end = this.metrics.cassandraWriteSeconds.startTimer();
      try {
        await this.client.execute(this.insert, params, { prepare: true, isIdempotent: true });
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
