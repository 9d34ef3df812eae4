// @confluentinc/kafka-javascript (librdkafka) through its KafkaJS-compatible API.
// Not a project dependency: its install fetches a prebuilt binary from GitHub or builds
// native code, which a fresh clone's `npm ci` must not need. Loaded from
// bench/clients/.deps (install-candidates.sh).
import type { IncomingMessage, KafkaConnection, OutgoingMessage, TopicPartitionOffset } from '@mobilecs/platform';
import type { LoadedPackage } from './optional';
import type { BenchClient, BenchConsumer, BenchTxProducer } from './types';

// The few parts of its KafkaJS-compatible API used here (the package is not installed
// for the type checker).
interface CMessage {
  key: Buffer | null;
  value: Buffer | null;
  offset: string;
  timestamp: string;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}
interface CBatchPayload {
  batch: { topic: string; partition: number; messages: CMessage[] };
}
interface CConsumer {
  connect(): Promise<void>;
  subscribe(s: { topics: string[] }): Promise<void>;
  run(c: { eachBatch(p: CBatchPayload): Promise<void>; eachBatchAutoResolve?: boolean }): Promise<void>;
  disconnect(): Promise<void>;
}
interface CProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  transaction(): Promise<CProducer>;
  sendBatch(b: { topicMessages: { topic: string; messages: { key: string | null; value: string | Buffer | null; timestamp?: string; partition?: number }[] }[] }): Promise<unknown>;
  sendOffsets(a: { consumer: CConsumer; topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}
interface CKafka {
  producer(config: Record<string, unknown>): CProducer;
  consumer(config: Record<string, unknown>): CConsumer;
}
export interface ConfluentModule {
  KafkaJS: { Kafka: new (config: Record<string, unknown>) => CKafka; logLevel: Record<string, number> };
  librdkafkaVersion: string;
}

class ConfluentConsumer implements BenchConsumer {
  constructor(
    readonly groupId: string,
    readonly consumer: CConsumer,
  ) {}

  async run(eachBatch: Parameters<BenchConsumer['run']>[0]): Promise<void> {
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        const messages: IncomingMessage[] = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: BigInt(m.offset),
          key: m.key ? m.key.toString('utf8') : null,
          value: m.value,
          timestamp: Number(m.timestamp),
          headers: {},
        }));
        await eachBatch(messages);
      },
    });
  }

  disconnect(): Promise<void> {
    return this.consumer.disconnect();
  }
}

function byTopic(messages: OutgoingMessage[]) {
  const topics = new Map<string, { key: string | null; value: string | Buffer | null; timestamp?: string; partition?: number }[]>();
  for (const m of messages) {
    const list = topics.get(m.topic) ?? [];
    list.push({
      key: m.key,
      value: m.value,
      ...(m.timestamp !== undefined ? { timestamp: String(m.timestamp) } : {}),
      ...(m.partition !== undefined ? { partition: m.partition } : {}),
    });
    topics.set(m.topic, list);
  }
  return [...topics].map(([topic, msgs]) => ({ topic, messages: msgs }));
}

function offsetsByTopic(offsets: TopicPartitionOffset[]) {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partition: o.partition, offset: o.offset.toString() }]);
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

export function confluentClient(conn: KafkaConnection, loaded: LoadedPackage<ConfluentModule>): BenchClient {
  const { Kafka, logLevel } = loaded.module.KafkaJS;
  const kafka = new Kafka({ kafkaJS: { brokers: conn.brokers, clientId: conn.clientId, logLevel: logLevel.ERROR } });
  return {
    name: 'confluent',
    version: `${loaded.version} (librdkafka ${loaded.module.librdkafkaVersion})`,
    kip447:
      'yes: sendOffsets requires the consumer (a group id alone is refused); librdkafka sends its group metadata ' +
      '(generation, member id) in TxnOffsetCommit and fetches offsets with require_stable under read_committed',
    async transactionalProducer(transactionalId): Promise<BenchTxProducer> {
      // The KafkaJS-compatible layer defaults to the Java-compatible murmur2 partitioner
      // and, for a transactional id, to idempotence with acks=all.
      const producer = kafka.producer({ kafkaJS: { transactionalId, idempotent: true, acks: -1, transactionTimeout: 60_000 } });
      await producer.connect(); // initTransactions: fences older instances
      return {
        async begin() {
          const tx = await producer.transaction();
          return {
            send: async (messages) => void (await tx.sendBatch({ topicMessages: byTopic(messages) })),
            sendOffsets: (consumer, offsets) => tx.sendOffsets({ consumer: (consumer as ConfluentConsumer).consumer, topics: offsetsByTopic(offsets) }),
            commit: () => tx.commit(),
            abort: () => tx.abort(),
          };
        },
        disconnect: () => producer.disconnect(),
      };
    },
    async consumer(groupId, topic) {
      const consumer = kafka.consumer({
        kafkaJS: { groupId, fromBeginning: true, autoCommit: false, readUncommitted: false },
        // Hand over everything fetched (the KafkaJS layer's default is 32 messages per batch).
        'js.consumer.max.batch.size': -1,
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic] });
      return new ConfluentConsumer(groupId, consumer);
    },
    isFenced: (err) => {
      const code = (err as { code?: unknown }).code;
      // ERR__FENCED (-144, librdkafka's fatal "producer fenced"), PRODUCER_FENCED (90), INVALID_PRODUCER_EPOCH (47)
      return code === -144 || code === 90 || code === 47;
    },
  };
}
