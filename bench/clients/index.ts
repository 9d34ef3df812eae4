// Kafka client comparison: kafkajs (through our module) vs the maintained alternatives
// that install and run here, same workload, exactly-once on (workload.ts).
//   npm run bench -- clients [rounds=3] [records=200000] [clients=kafkajs,confluent,platformatic]
// Rounds alternate the clients (each round starts with the next one) and the medians are
// reported. The candidates are not project dependencies: run bench/clients/install-candidates.sh
// first (clients that are not installed are listed under `skipped`).
import { cpus, loadavg } from 'node:os';
import type { KafkaConnection } from '@mobilecs/platform';
import { kafkaBrokers, startLocalInfra } from '../../infra/src/index';
import { confluentClient, type ConfluentModule } from './confluent';
import { kafkajsClient } from './kafkajs';
import { loadOptional } from './optional';
import { platformaticClient, type PlatformaticModule } from './platformatic';
import type { BenchClient } from './types';
import { fencingCheck, runOnce, type FencingResult, type RunResult, type WorkloadOptions } from './workload';

/** Median, rounded to `decimals`. */
const median = (xs: number[], decimals = 0): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return Number((s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2).toFixed(decimals));
};

export async function clientsBench(args: string[]): Promise<Record<string, unknown>> {
  const rounds = Number(args[0] ?? 3);
  const records = Number(args[1] ?? 200_000);
  const wanted = (args[2] ?? 'kafkajs,confluent,platformatic').split(',');
  if (!process.env.KAFKA_BROKERS) await startLocalInfra(() => undefined, { cassandra: false });
  const conn: KafkaConnection = { brokers: (process.env.KAFKA_BROKERS ?? kafkaBrokers.join(',')).split(','), clientId: 'bench-clients' };
  const o: WorkloadOptions = { records, recordBytes: 200, transactionRecords: 1_000, partitions: 6 };

  const clients: BenchClient[] = [];
  const skipped: Record<string, string> = {};
  const notInstalled = 'not installed: run bench/clients/install-candidates.sh first';
  for (const name of wanted) {
    if (name === 'kafkajs') clients.push(kafkajsClient(conn));
    else if (name === 'platformatic') {
      const loaded = await loadOptional<PlatformaticModule>('@platformatic/kafka');
      if (loaded) clients.push(platformaticClient(conn, loaded));
      else skipped[name] = notInstalled;
    } else if (name === 'confluent') {
      const loaded = await loadOptional<ConfluentModule>('@confluentinc/kafka-javascript');
      if (loaded) clients.push(confluentClient(conn, loaded));
      else skipped[name] = notInstalled;
    } else skipped[name] = 'unknown client';
  }

  const fencing: FencingResult[] = [];
  for (const c of clients) {
    const f = await fencingCheck(c, conn).catch((err: unknown) => ({ client: c.name, error: String(err) }) as unknown as FencingResult);
    console.error(`[clients] fencing ${c.name}: ${JSON.stringify(f)}`);
    fencing.push(f);
  }

  const runs: RunResult[] = [];
  const load: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < clients.length; k++) {
      const c = clients[(r + k) % clients.length];
      if (!c) continue;
      load.push(loadavg()[0] ?? 0);
      const res = await runOnce(c, conn, o).catch(
        (err: unknown): RunResult => ({
          client: c.name,
          producerRecordsPerSecond: 0,
          ctpRecordsPerSecond: 0,
          producerCpuMicrosPerRecord: 0,
          ctpCpuMicrosPerRecord: 0,
          verified: false,
          problems: [String(err)],
        }),
      );
      console.error(`[clients] round ${r + 1} ${JSON.stringify(res)}`);
      runs.push(res);
    }
  }

  const summary = clients.map((c) => {
    const mine = runs.filter((x) => x.client === c.name);
    const f = fencing.find((x) => x.client === c.name);
    return {
      client: c.name,
      version: c.version,
      producerRecordsPerSecondMedian: median(mine.map((x) => x.producerRecordsPerSecond)),
      ctpRecordsPerSecondMedian: median(mine.map((x) => x.ctpRecordsPerSecond)),
      producerRuns: mine.map((x) => x.producerRecordsPerSecond),
      ctpRuns: mine.map((x) => x.ctpRecordsPerSecond),
      // CPU of this process per record (µs, median): less disturbed by a shared machine than wall-clock rates.
      producerCpuMicrosPerRecordMedian: median(mine.map((x) => x.producerCpuMicrosPerRecord), 1),
      ctpCpuMicrosPerRecordMedian: median(mine.map((x) => x.ctpCpuMicrosPerRecord), 1),
      allRunsExactlyOnce: mine.length > 0 && mine.every((x) => x.verified),
      problems: mine.flatMap((x) => x.problems),
      fencing: f,
      kip447: c.kip447,
    };
  });
  return {
    workload: o,
    rounds,
    node: process.version,
    cores: cpus().length,
    loadAverage1mAtRunStarts: load.map((x) => Number(x.toFixed(1))),
    skipped,
    summary,
  };
}
