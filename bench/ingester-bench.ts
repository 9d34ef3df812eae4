// Ingester throughput with exactly-once on: agreements and records already in Kafka,
// N ingesters started together as child processes (one consumer group), timed from the
// first one being ready until every expected aggregate is committed (read_committed).
// Every data record is upserted into Cassandra before the transaction that commits its
// offset, so the rate includes the Cassandra writes. The same input serves every
// instance count; each run has its own group, transactional ids, changelog, output
// topics and keyspace, so each reads the input from the beginning.
//   npm run bench -- ingester [msisdns=120] [stepHours=1] [partitions=6] [instances=1,2,3]
// The cost of counting copies once (issue 18): the same input without and with copies,
// one instance each; every copyEvery-th record of a subscriber is followed by a copy of
// its record from 5 earlier (out of order: decided by a Cassandra read).
//   npm run bench -- dedup [msisdns=120] [copyEvery=10]
import { KafkaConsumer, KafkaProducer, ensureTopics, type TopicNames } from '@mobilecs/platform';
import { agreementCodec, importedRecordCodec } from '@mobilecs/domain';
import { expectedAggregates, faultDataset } from '../test/ingester/fault-dataset';
import type { ImportedRecord } from '@mobilecs/domain';
import { Cleanup, benchServers, topicNames, round, ingesterEnv, scrapeMetric, servicePort, startService, uniqueName, waitFor, type BenchServers } from './support';

export interface IngesterRun {
  instances: number;
  /** Input messages, copies included. */
  records: number;
  /** Copies among them (not counted again), and the Cassandra reads made to tell them. */
  copies?: number;
  duplicatesReported?: number;
  copyLookups?: number;
  aggregates: number;
  expectedAggregates: number;
  secondsFromReady: number;
  recordsPerSecond: number;
}

export interface IngesterResult {
  msisdns: number;
  stepHours: number;
  partitions: number;
  runs: IngesterRun[];
}

async function run(servers: BenchServers, cleanup: Cleanup, input: TopicNames, partitions: number, instances: number, records: number, expected: number): Promise<IngesterRun> {
  const tag = uniqueName(`bench_ingester_${instances}`);
  // Inputs shared by all runs; outputs, changelog, group and keyspace per run.
  const names: TopicNames = { ...topicNames(tag), agreements: input.agreements, incomingDataRecords: input.incomingDataRecords };
  cleanup.topic(names.dataRecordsAggregates, names.deadLetters, names.dataRecordsLate, `${tag}.changelog`);
  cleanup.keyspace(tag);
  const env = { ...ingesterEnv(servers, names, tag, partitions), INGESTER_IDLE_TIMEOUT_MS: '2000' };
  // Topics and schema first, so that the instances' start-up does not race on creating them.
  await ensureTopics(servers.kafka, { names, inputPartitions: partitions, outputPartitions: partitions, replicationFactor: 1 }, [
    { topic: `${tag}.changelog`, partitions, replicationFactor: 1, config: { 'cleanup.policy': 'compact', 'max.message.bytes': '16777216' } },
  ]);

  let aggregates = 0;
  const consumer = await KafkaConsumer.connect(servers.kafka, { groupId: `${tag}-reader`, readCommitted: true });
  cleanup.add(() => consumer.disconnect());
  await consumer.subscribe([names.dataRecordsAggregates]);
  await consumer.run({ eachBatch: async (b) => void (aggregates += b.messages.length) });

  const processes = Array.from({ length: instances }, () => cleanup.process(startService('ingester', env)));
  const ready = await Promise.race(processes.map(async (p) => (await p.waitForLog(/"msg":"ingester ready"/, 120_000), Date.now())));
  await waitFor(`${expected} aggregates (${instances} ingesters)`, () => (aggregates >= expected ? true : undefined), 600_000, 50);
  const seconds = (Date.now() - ready) / 1000;
  let copyStats: { duplicatesReported: number; copyLookups: number } | undefined;
  if (instances === 1) {
    const port = await servicePort(processes[0]!, 'ingester');
    copyStats = { duplicatesReported: await scrapeMetric(port, 'ingester_records_duplicate_total'), copyLookups: await scrapeMetric(port, 'ingester_copy_lookups_total') };
  }
  // SIGTERM: a clean exit, so that --cpu-prof profiles are written.
  await Promise.all(processes.map((p) => p.kill('SIGTERM')));
  await consumer.disconnect();
  return { instances, records, aggregates, expectedAggregates: expected, secondsFromReady: round(seconds, 1), recordsPerSecond: Math.round(records / seconds), ...copyStats };
}

/** The records with, after every copyEvery-th record of a subscriber, a copy of its record from 5 earlier. */
export function withCopies(records: readonly ImportedRecord[], copyEvery: number): { records: ImportedRecord[]; copies: number } {
  if (copyEvery <= 0) return { records: [...records], copies: 0 };
  const seen = new Map<string, ImportedRecord[]>();
  const out: ImportedRecord[] = [];
  let copies = 0;
  for (const r of records) {
    const mine = seen.get(r.msisdn) ?? [];
    seen.set(r.msisdn, mine);
    mine.push(r);
    out.push(r);
    if (mine.length > 5 && mine.length % copyEvery === 0) {
      out.push(mine[mine.length - 6]!);
      copies++;
    }
  }
  return { records: out, copies };
}

export async function ingesterBench(msisdns = 120, stepHours = 1, partitions = 6, instanceCounts: number[] = [1, 2, 3], copyEvery = 0): Promise<IngesterResult> {
  const servers = await benchServers();
  const cleanup = new Cleanup();
  const input = topicNames(uniqueName('bench_ingester_input'));
  cleanup.topic(input.agreements, input.incomingDataRecords, input.dataRecordsAggregates, input.deadLetters, input.dataRecordsLate);
  try {
    await ensureTopics(servers.kafka, { names: input, inputPartitions: partitions, outputPartitions: partitions, replicationFactor: 1 });
    const data = faultDataset(msisdns, stepHours);
    const expected = expectedAggregates(data).length;
    const producer = await KafkaProducer.connect(servers.kafka);
    await producer.send(data.agreements.map((a) => ({ topic: input.agreements, key: a.msisdn, value: agreementCodec.encode(a), timestamp: a.signedAt })));
    const input_ = withCopies(data.records, copyEvery);
    await producer.send(input_.records.map((r) => ({ topic: input.incomingDataRecords, key: r.msisdn, value: importedRecordCodec.encode(r), timestamp: r.recordedAt })));
    await producer.disconnect();
    const runs: IngesterRun[] = [];
    for (const n of instanceCounts) runs.push({ ...(await run(servers, cleanup, input, partitions, n, input_.records.length, expected)), ...(copyEvery > 0 ? { copies: input_.copies } : {}) });
    return { msisdns, stepHours, partitions, runs };
  } finally {
    await cleanup.run(servers);
  }
}
