// The workload every client runs, exactly-once on:
//  (a) transactional producer: N records of ~200 bytes to a 6-partition topic, ~1 000
//      records per transaction;
//  (b) consume-transform-produce: that topic read with read_committed in a consumer
//      group, one output per input written to another topic in transactions of ~1 000
//      that also commit the consumer's offsets;
//  then both topics are read back with read_committed (by our kafkajs module, the same
//  reader for every client) and every record id must be there exactly once.
// Plus the fencing check: a second producer with the same transactional id must fence
// the first, whose open transaction must never become visible.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { KafkaAdmin, KafkaConsumer, type IncomingMessage, type KafkaConnection, type OutgoingMessage, type TopicPartitionOffset } from '@mobilecs/platform';
import { errorText, type BenchClient, type BenchConsumer } from './types';

export interface WorkloadOptions {
  records: number;
  recordBytes: number;
  transactionRecords: number;
  partitions: number;
}

export interface RunResult {
  client: string;
  producerRecordsPerSecond: number;
  ctpRecordsPerSecond: number;
  producerCpuMicrosPerRecord: number;
  ctpCpuMicrosPerRecord: number;
  /** Both topics read back with read_committed: every id exactly once. */
  verified: boolean;
  problems: string[];
}

/** Same form as test/support/servers.ts's uniqueName (which needs vitest). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`.replace(/-/g, '_').toLowerCase();
}

const ID_DIGITS = 9;

function record(topic: string, i: number, bytes: number): OutgoingMessage {
  const head = `${String(i).padStart(ID_DIGITS, '0')}|`;
  return { topic, key: `4891784${String(i % 5000).padStart(4, '0')}`, value: head + 'x'.repeat(Math.max(0, bytes - head.length)) };
}

const idOf = (value: Buffer | null): number => Number((value ?? Buffer.alloc(0)).subarray(0, ID_DIGITS).toString('latin1'));

/** Next offsets to commit (last offset + 1 per partition) for a set of consumed messages. */
function nextOffsets(messages: IncomingMessage[]): TopicPartitionOffset[] {
  const last = new Map<string, TopicPartitionOffset>();
  for (const m of messages) {
    const key = `${m.topic}\u0000${m.partition}`;
    const next = m.offset + 1n;
    const known = last.get(key);
    if (!known || known.offset < next) last.set(key, { topic: m.topic, partition: m.partition, offset: next });
  }
  return [...last.values()];
}

/** Runs a clean-up step, ignoring its failure (synchronous throws included). */
async function quietly(step: () => Promise<unknown> | undefined): Promise<void> {
  try {
    await step();
  } catch {
    // clean-up only
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
    }),
  ]);
}

/** Records per second and this process's CPU (all threads, so librdkafka's too) per record. */
export interface Throughput {
  recordsPerSecond: number;
  cpuMicrosPerRecord: number;
}

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

export async function produceTransactionally(client: BenchClient, topic: string, txId: string, o: WorkloadOptions): Promise<Throughput> {
  const producer = await client.transactionalProducer(txId);
  try {
    const started = performance.now();
    const cpuStarted = cpuMicros();
    for (let i = 0; i < o.records; i += o.transactionRecords) {
      const batch: OutgoingMessage[] = [];
      for (let j = i; j < Math.min(i + o.transactionRecords, o.records); j++) batch.push(record(topic, j, o.recordBytes));
      const tx = await producer.begin();
      await tx.send(batch);
      await tx.commit();
    }
    return { recordsPerSecond: o.records / ((performance.now() - started) / 1000), cpuMicrosPerRecord: (cpuMicros() - cpuStarted) / o.records };
  } finally {
    await producer.disconnect();
  }
}

/** Consume-transform-produce; the clock runs from the first delivered batch to the last commit. */
export async function consumeTransformProduce(
  client: BenchClient,
  input: string,
  output: string,
  groupId: string,
  txId: string,
  o: WorkloadOptions,
): Promise<Throughput> {
  const producer = await client.transactionalProducer(txId);
  let consumer: BenchConsumer | undefined;
  try {
    consumer = await client.consumer(groupId, input);
    const c = consumer;
    let buffer: IncomingMessage[] = [];
    let done = 0;
    let first: number | undefined;
    let last = 0;
    let cpuFirst = 0;
    let cpuLast = 0;
    let settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
    const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const transact = async (messages: IncomingMessage[]): Promise<void> => {
      const tx = await producer.begin();
      try {
        await tx.send(messages.map((m) => ({ topic: output, key: m.key, value: Buffer.concat([m.value ?? Buffer.alloc(0), Buffer.from('|t')]) })));
        await tx.sendOffsets(c, nextOffsets(messages));
        await tx.commit();
      } catch (err) {
        await quietly(() => tx.abort());
        throw err;
      }
      done += messages.length;
    };
    await c.run(async (messages) => {
      if (first === undefined) {
        first = performance.now();
        cpuFirst = cpuMicros();
      }
      try {
        for (const m of messages) buffer.push(m);
        // Whole transactions of transactionRecords, and the remainder once all inputs are in.
        while (buffer.length >= o.transactionRecords || (buffer.length > 0 && done + buffer.length >= o.records)) {
          const chunk = buffer.slice(0, o.transactionRecords);
          buffer = buffer.slice(chunk.length);
          await transact(chunk);
        }
        if (done >= o.records) {
          last = performance.now();
          cpuLast = cpuMicros();
          settle?.resolve();
        }
      } catch (err) {
        settle?.reject(err);
        throw err;
      }
    });
    await withTimeout(finished, 15 * 60_000, `${client.name} consume-transform-produce`);
    return { recordsPerSecond: o.records / ((last - (first ?? last)) / 1000), cpuMicrosPerRecord: (cpuLast - cpuFirst) / o.records };
  } finally {
    await quietly(() => consumer?.disconnect());
    await quietly(() => producer.disconnect());
  }
}

/** Reads a topic with read_committed (kafkajs, our module) and checks ids 0…n−1 each exactly once. */
export async function verifyExactlyOnce(conn: KafkaConnection, topic: string, n: number): Promise<string[]> {
  const seen = new Uint8Array(n);
  let count = 0;
  let lastArrival = Date.now();
  const reader = await KafkaConsumer.connect(conn, { groupId: uniqueName('bench_clients_verify'), readCommitted: true, manualCommit: true });
  try {
    await reader.subscribe([topic]);
    await reader.run({
      eachBatch: async (b) => {
        for (const m of b.messages) {
          const id = idOf(m.value);
          if (id >= 0 && id < n) seen[id] = Math.min(255, (seen[id] ?? 0) + 1);
          count++;
        }
        lastArrival = Date.now();
      },
    });
    const deadline = Date.now() + 5 * 60_000;
    // Everything expected has arrived and nothing more for 2 s (to catch duplicates).
    while (Date.now() < deadline && !(count >= n && Date.now() - lastArrival > 2_000)) await new Promise((r) => setTimeout(r, 200));
  } finally {
    await reader.disconnect();
  }
  const problems: string[] = [];
  let missing = 0;
  let duplicated = 0;
  for (const s of seen) {
    if (s === 0) missing++;
    else if (s > 1) duplicated++;
  }
  if (count !== n) problems.push(`${topic}: ${count} records read, ${n} expected`);
  if (missing > 0) problems.push(`${topic}: ${missing} ids missing`);
  if (duplicated > 0) problems.push(`${topic}: ${duplicated} ids duplicated`);
  return problems;
}

export async function runOnce(client: BenchClient, conn: KafkaConnection, o: WorkloadOptions): Promise<RunResult> {
  const tag = uniqueName(`bench_clients_${client.name}`);
  const input = `${tag}.input`;
  const output = `${tag}.output`;
  const admin = await KafkaAdmin.connect(conn);
  try {
    await admin.ensureTopics([input, output].map((topic) => ({ topic, partitions: o.partitions, replicationFactor: 1 })));
    const produced = await produceTransactionally(client, input, `${tag}-producer`, o);
    const transformed = await consumeTransformProduce(client, input, output, `${tag}-group`, `${tag}-ctp`, o);
    const problems = [...(await verifyExactlyOnce(conn, input, o.records)), ...(await verifyExactlyOnce(conn, output, o.records))];
    return {
      client: client.name,
      producerRecordsPerSecond: Math.round(produced.recordsPerSecond),
      ctpRecordsPerSecond: Math.round(transformed.recordsPerSecond),
      producerCpuMicrosPerRecord: Number(produced.cpuMicrosPerRecord.toFixed(1)),
      ctpCpuMicrosPerRecord: Number(transformed.cpuMicrosPerRecord.toFixed(1)),
      verified: problems.length === 0,
      problems,
    };
  } finally {
    await quietly(() => admin.deleteTopics([input, output]));
    await admin.disconnect();
  }
}

export interface FencingResult {
  client: string;
  /** The older producer's next send/commit failed with an error the client marks as fencing. */
  zombieFenced: boolean;
  zombieError: string;
  /** read_committed sees only the new producer's record (the zombie's open transaction was aborted). */
  zombieInvisible: boolean;
  visible: string[];
  /** A new instance of a transactional id used before (committed, closed) can begin and commit: a restart. */
  restartOk: boolean;
  restartError: string;
}

/** Two transactional producers with the same id: the older one must be fenced. */
export async function fencingCheck(client: BenchClient, conn: KafkaConnection): Promise<FencingResult> {
  const tag = uniqueName(`bench_clients_fence_${client.name}`);
  const topic = `${tag}.fence`;
  const txId = `${tag}-tx`;
  const admin = await KafkaAdmin.connect(conn);
  await admin.ensureTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
  const older = await client.transactionalProducer(txId);
  let newer: Awaited<ReturnType<BenchClient['transactionalProducer']>> | undefined;
  try {
    const zombieTx = await older.begin();
    await zombieTx.send([{ topic, key: 'k', value: 'zombie-1' }]);
    newer = await client.transactionalProducer(txId);
    const tx = await newer.begin();
    await tx.send([{ topic, key: 'k', value: 'newer' }]);
    await tx.commit();
    let zombieError: unknown;
    try {
      await withTimeout(
        (async () => {
          await zombieTx.send([{ topic, key: 'k', value: 'zombie-2' }]);
          await zombieTx.commit();
        })(),
        60_000,
        `${client.name} zombie send+commit`,
      );
    } catch (err) {
      zombieError = err;
    }
    const visible: string[] = [];
    const reader = await KafkaConsumer.connect(conn, { groupId: `${tag}-reader`, readCommitted: true, manualCommit: true });
    await reader.subscribe([topic]);
    await reader.run({ eachBatch: async (b) => void visible.push(...b.messages.map((m) => m.value?.toString() ?? '')) });
    await new Promise((r) => setTimeout(r, 5_000));
    await reader.disconnect();
    // Restart: the transactional id was used and left by both; a third instance, without
    // any adapter workaround, must initialise (bumping the epoch) and commit.
    let restartError = '';
    await quietly(() => older.disconnect());
    await quietly(() => newer?.disconnect());
    try {
      const restarted = await client.transactionalProducer(txId, { asShipped: true });
      try {
        const rtx = await withTimeout(restarted.begin(), 60_000, `${client.name} restart begin`);
        await rtx.send([{ topic, key: 'k', value: 'restarted' }]);
        await rtx.commit();
      } finally {
        await quietly(() => restarted.disconnect());
      }
    } catch (err) {
      restartError = errorText(err);
    }
    return {
      client: client.name,
      restartOk: restartError === '',
      restartError,
      zombieFenced: zombieError !== undefined && client.isFenced(zombieError),
      zombieError: zombieError === undefined ? 'none: the zombie committed' : errorText(zombieError),
      zombieInvisible: visible.length === 1 && visible[0] === 'newer',
      visible,
    };
  } finally {
    await quietly(() => older.disconnect());
    await quietly(() => newer?.disconnect());
    await quietly(() => admin.deleteTopics([topic]));
    await admin.disconnect();
  }
}
