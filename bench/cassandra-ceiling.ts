// Cassandra's write ceiling from Node on this machine: the same data_record table
// (services/platform's schema) written by the same driver the ingester uses, as
// single-row prepared inserts at a few concurrency levels and as unlogged batches of
// rows of one partition (a billing period of one agreement), each for a fixed time —
// through platform's DataRecordTable's insertBatch (one request: the ingester's INSERT,
// or an unlogged batch of it), with rows that name no arrival (those columns are left
// unset: no cells beyond the six written before they existed).
import { randomUUID } from 'node:crypto';
import type { DataRecord } from '@mobilecs/domain';
import { createCassandraClient, DataRecordTable, ensureSchema, type CassandraClient } from '@mobilecs/platform';
import { Cleanup, benchServers, uniqueName } from './support';

export interface CassandraCeilingOptions {
  concurrencies: number[];
  batchRows: number[];
  batchConcurrency: number;
  seconds: number;
  warmupSeconds: number;
  /** Distinct partitions (agreement, year, month) written to. */
  partitions: number;
}

export const defaultCassandraCeilingOptions: CassandraCeilingOptions = {
  concurrencies: [8, 32, 128, 512],
  batchRows: [10, 50],
  batchConcurrency: 32,
  seconds: 3,
  warmupSeconds: 0.5,
  partitions: 10_000,
};

export interface CassandraCeiling {
  singleRow: { rowsPerSecond: number; concurrency: number; tried: Record<string, number> };
  batches: { rowsPerSecond: number; rowsPerBatch: number; concurrency: number; tried: Record<string, number> };
  releaseVersion: string;
}

/** Runs `op` with `concurrency` workers for warm-up + measured seconds; rows/s of the measured part. */
async function drive(concurrency: number, seconds: number, warmupSeconds: number, op: (worker: number, i: number) => Promise<number>): Promise<number> {
  const start = Date.now();
  const measureFrom = start + warmupSeconds * 1000;
  const end = measureFrom + seconds * 1000;
  let rows = 0;
  const worker = async (w: number) => {
    for (let i = 0; Date.now() < end; i++) {
      const n = await op(w, i);
      const now = Date.now();
      if (now >= measureFrom && now < end) rows += n;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return rows / seconds;
}

export async function cassandraCeilingBench(opts: CassandraCeilingOptions = defaultCassandraCeilingOptions): Promise<CassandraCeiling> {
  const servers = await benchServers();
  const cleanup = new Cleanup();
  const keyspace = uniqueName('bench_cassandra');
  cleanup.keyspace(keyspace);
  const client: CassandraClient = createCassandraClient(servers.cassandra);
  try {
    await client.connect();
    await ensureSchema(client, { keyspace, replication: { class: 'SimpleStrategy', replication_factor: 1 } });
    const releaseVersion = String((await client.execute('SELECT release_version FROM system.local')).first()?.get('release_version'));
    const table = new DataRecordTable(client, keyspace);
    const agreements = Array.from({ length: Math.ceil(opts.partitions / 12) }, () => randomUUID());
    const base = Date.UTC(2020, 0, 1);
    let seq = 0;
    // Row n of partition p: distinct clustering keys, so every insert is a new row.
    const row = (p: number): { record: DataRecord } => ({
      record: { agreementId: agreements[p % agreements.length]!, year: 2020, month: (p % 12) + 1, recordedAt: base + seq++, internalRecordId: randomUUID(), recordedBytes: BigInt(1000 + (seq % 1000)) },
    });

    const tried: Record<string, number> = {};
    for (const c of opts.concurrencies) {
      tried[c] = Math.round(
        await drive(c, opts.seconds, opts.warmupSeconds, async () => {
          await table.insertBatch([row(Math.floor(Math.random() * opts.partitions))]); // one prepared INSERT
          return 1;
        }),
      );
    }
    const bestC = opts.concurrencies.reduce((a, b) => ((tried[b] ?? 0) > (tried[a] ?? 0) ? b : a));

    const triedBatches: Record<string, number> = {};
    for (const size of opts.batchRows) {
      triedBatches[size] = Math.round(
        await drive(opts.batchConcurrency, opts.seconds, opts.warmupSeconds, async () => {
          const p = Math.floor(Math.random() * opts.partitions);
          await table.insertBatch(Array.from({ length: size }, () => row(p))); // one unlogged batch
          return size;
        }),
      );
    }
    const bestB = opts.batchRows.reduce((a, b) => ((triedBatches[b] ?? 0) > (triedBatches[a] ?? 0) ? b : a));
    return {
      singleRow: { rowsPerSecond: tried[bestC] ?? 0, concurrency: bestC, tried },
      batches: { rowsPerSecond: triedBatches[bestB] ?? 0, rowsPerBatch: bestB, concurrency: opts.batchConcurrency, tried: triedBatches },
      releaseVersion,
    };
  } finally {
    await client.shutdown().catch(() => undefined);
    await cleanup.run(servers);
  }
}

/** The best write rate of either kind: the ceiling the ingester is compared with. */
export function cassandraWriteCeiling(c: CassandraCeiling): number {
  return Math.max(c.singleRow.rowsPerSecond, c.batches.rowsPerSecond);
}
