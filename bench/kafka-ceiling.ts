// Kafka's own ceilings on this machine, measured with the tools Kafka ships
// (kafka-producer-perf-test = org.apache.kafka.tools.ProducerPerformance,
// kafka-consumer-perf-test = ConsumerPerformance) from the kafka-tools jar on the
// infra classpath: what a well-tuned Java client gets out of the same broker, the
// yardstick for the importer.
import { spawn } from 'node:child_process';
import { KafkaAdmin } from '@mobilecs/platform';
import { kafkaToolCommand } from '../infra/src/kafka-tools';
import { Cleanup, benchServers, round, uniqueName } from './support';

export interface KafkaCeilingOptions {
  records: number;
  warmupRecords: number;
  recordSize: number;
  partitions: number;
  /** Transaction length of the transactional run (ProducerPerformance commits by time). */
  transactionMs: number;
}

export const defaultKafkaCeilingOptions: KafkaCeilingOptions = {
  records: 1_000_000,
  warmupRecords: 200_000,
  recordSize: 200,
  partitions: 6,
  transactionMs: 100,
};

export interface ProducerCeiling {
  recordsPerSecond: number;
  mbPerSecond: number;
  p99LatencyMs: number;
  settings: string;
}

export interface KafkaCeiling {
  producer: ProducerCeiling;
  producerTransactional: ProducerCeiling;
  consumer: { recordsPerSecond: number; mbPerSecond: number; records: number; settings: string };
  kafkaToolsVersion: string;
}

async function runTool(mainClass: string, args: string[]): Promise<string> {
  const tool = await kafkaToolCommand(mainClass, args, '512m');
  const child = spawn(tool.java, tool.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${mainClass} exited with ${code}:\n${out.slice(-2000)}\n${err.slice(-2000)}`);
  return out;
}

/** The steady-state summary line when there was a warm-up, else the overall one. */
function parseProducer(out: string, settings: string): ProducerCeiling {
  const lines = out.split('\n').filter((l) => /records sent, [\d.]+ records\/sec/.test(l) && /99th/.test(l));
  const line = lines.find((l) => /steady state/.test(l)) ?? lines[lines.length - 1];
  const m = line && /([\d.]+) records\/sec \(([\d.]+) MB\/sec\).* ([\d.]+) ms 99th/.exec(line);
  if (!m) throw new Error(`no summary in ProducerPerformance output:\n${out.slice(-2000)}`);
  return { recordsPerSecond: Math.round(Number(m[1])), mbPerSecond: round(Number(m[2]), 1), p99LatencyMs: Number(m[3]), settings };
}

export async function kafkaCeilingBench(opts: KafkaCeilingOptions = defaultKafkaCeilingOptions): Promise<KafkaCeiling> {
  const servers = await benchServers({ cassandra: false });
  const cleanup = new Cleanup();
  const topic = uniqueName('bench_kafka_perf');
  cleanup.topic(topic);
  try {
    const admin = await KafkaAdmin.connect(servers.kafka);
    await admin.ensureTopics([{ topic, partitions: opts.partitions }]);
    await admin.disconnect();
    const common = [
      '--bootstrap-server', servers.kafka.brokers.join(','),
      '--topic', topic,
      '--num-records', String(opts.records),
      '--warmup-records', String(opts.warmupRecords),
      '--record-size', String(opts.recordSize),
      '--throughput', '-1',
    ];
    // acks=all as the services use; the Java producer is idempotent by default since Kafka 3.0.
    const idempotent = parseProducer(
      await runTool('org.apache.kafka.tools.ProducerPerformance', [...common, '--command-property', 'acks=all', 'enable.idempotence=true']),
      `acks=all, idempotent, not transactional, ${opts.recordSize}-byte values without keys, defaults otherwise (linger.ms=5, batch.size=16 KiB, no compression)`,
    );
    const transactional = parseProducer(
      await runTool('org.apache.kafka.tools.ProducerPerformance', [
        ...common,
        '--command-property', 'acks=all', 'enable.idempotence=true',
        '--transactional-id', uniqueName('bench_perf_tx'),
        '--transaction-duration-ms', String(opts.transactionMs),
      ]),
      `acks=all, transactional (a commit every ${opts.transactionMs} ms), ${opts.recordSize}-byte values without keys`,
    );
    // Everything both runs wrote, read back read_committed like the services read.
    const total = 2 * opts.records;
    const out = await runTool('org.apache.kafka.tools.ConsumerPerformance', [
      '--bootstrap-server', servers.kafka.brokers.join(','),
      '--topic', topic,
      '--num-records', String(total),
      '--group', uniqueName('bench_perf_consumer'),
      '--command-property', 'isolation.level=read_committed',
      '--timeout', '30000',
      '--hide-header',
    ]);
    // start, end, MB, MB/s, records, records/s, rebalance ms, fetch ms, fetch MB/s, fetch records/s
    const fields = out.trim().split('\n').pop()?.split(',').map((s) => s.trim()) ?? [];
    const records = Number(fields[4]);
    if (!(records > 0)) throw new Error(`no summary in ConsumerPerformance output:\n${out.slice(-2000)}`);
    const version = (await runTool('org.apache.kafka.tools.ConsumerPerformance', ['--version'])).trim().split('\n').pop() ?? '';
    return {
      producer: idempotent,
      producerTransactional: transactional,
      consumer: {
        // fetch.* excludes the group join; the records/s including it is fields[5].
        recordsPerSecond: Math.round(Number(fields[9])),
        mbPerSecond: round(Number(fields[8]), 1),
        records,
        settings: `read_committed, one consumer, ${opts.partitions} partitions, rate without the group join`,
      },
      kafkaToolsVersion: version,
    };
  } finally {
    await cleanup.run(servers);
  }
}
