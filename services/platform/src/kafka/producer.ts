import { Partitioners, type Message, type Producer, type Transaction } from 'kafkajs';
import { connected, createClient } from './client';
import { isRetriable } from '../errors';
import { retry } from '../retry';
import { ProducerFencedError, kafkaClientRetriable } from './errors';
import type { KafkaConnection, OutgoingMessage, TopicPartitionOffset } from './types';

// Java-compatible murmur2 partitioning, so records keyed by msisdn land on the same
// partition number in `agreements` and `incoming-data-records` whoever produced them.
const createPartitioner = Partitioners.DefaultPartitioner;

/**
 * Splits messages into sends of at most ~512 KiB: the broker refuses a record batch
 * larger than max.message.bytes (1 MiB by default), and kafkajs puts everything for one
 * partition of one send into one batch.
 */
export function chunkBySize(messages: OutgoingMessage[], maxBytes = 512 * 1024): OutgoingMessage[][] {
  const chunks: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let size = 0;
  for (const m of messages) {
    const bytes = (m.value ? Buffer.byteLength(m.value) : 0) + (m.key ? Buffer.byteLength(m.key) : 0) + 64;
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(m);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function toKafkaMessages(messages: OutgoingMessage[]): Map<string, Message[]> {
  const byTopic = new Map<string, Message[]>();
  for (const m of messages) {
    const list = byTopic.get(m.topic) ?? [];
    list.push({
      key: m.key,
      value: m.value,
      ...(m.timestamp !== undefined ? { timestamp: String(m.timestamp) } : {}),
      ...(m.partition !== undefined ? { partition: m.partition } : {}),
      ...(m.headers ? { headers: m.headers } : {}),
    });
    byTopic.set(m.topic, list);
  }
  return byTopic;
}

/** Idempotent producer, acks=all: a send resolves only after every in-sync replica has the messages. */
export class KafkaProducer {
  private constructor(private readonly producer: Producer) {}

  static async connect(conn: KafkaConnection): Promise<KafkaProducer> {
    const producer = createClient(conn).producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner });
    await connected(producer, conn);
    return new KafkaProducer(producer);
  }

  async send(messages: OutgoingMessage[]): Promise<void> {
    for (const chunk of chunkBySize(messages)) {
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...toKafkaMessages(chunk)].map(([topic, msgs]) => ({ topic, messages: msgs })),
      });
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

/** One open transaction: its messages and consumer offsets become visible together on commit. */
export class KafkaTransaction {
  constructor(
    private readonly tx: Transaction,
    private readonly transactionalId: string,
  ) {}

  private readonly sent = new Map<string, TopicPartitionOffset>();
  private readonly unpartitioned = new Set<string>();

  async send(messages: OutgoingMessage[]): Promise<void> {
    for (const chunk of chunkBySize(messages)) {
      const counts = new Map<string, number>();
      for (const m of chunk) {
        if (m.partition === undefined) this.unpartitioned.add(m.topic);
        else counts.set(`${m.partition}/${m.topic}`, (counts.get(`${m.partition}/${m.topic}`) ?? 0) + 1);
      }
      const meta = await guardFencing(this.transactionalId, () =>
        this.tx.sendBatch({
          acks: -1,
          topicMessages: [...toKafkaMessages(chunk)].map(([topic, msgs]) => ({ topic, messages: msgs })),
        }),
      );
      for (const r of meta) {
        const n = counts.get(`${r.partition}/${r.topicName}`);
        if (n === undefined || r.baseOffset === undefined) continue;
        this.sent.set(`${r.partition}/${r.topicName}`, { topic: r.topicName, partition: r.partition, offset: BigInt(r.baseOffset) + BigInt(n) });
      }
    }
  }

  /**
   * For each topic-partition this transaction wrote with messages of an explicit
   * `partition`: the offset after the last of them (from the produce responses). A topic
   * also written through the partitioner is left out (its counts per partition are not
   * known here). A changelog's owner uses it as the offset its state covers once committed.
   */
  written(): TopicPartitionOffset[] {
    return [...this.sent.values()].filter((w) => !this.unpartitioned.has(w.topic));
  }

  /** Commits consumer offsets as part of this transaction (consume-transform-produce). */
  async sendOffsets(consumerGroupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const topics = new Map<string, { partition: number; offset: string }[]>();
    for (const o of offsets) {
      const list = topics.get(o.topic) ?? [];
      list.push({ partition: o.partition, offset: o.offset.toString() });
      topics.set(o.topic, list);
    }
    const request = { consumerGroupId, topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) };
    // A freshly started broker may still be loading the group coordinator; kafkajs does
    // not retry TxnOffsetCommit on those retriable errors, so we do.
    await retry(() => guardFencing(this.transactionalId, () => this.tx.sendOffsets(request)), {
      what: 'TxnOffsetCommit',
      initialDelayMs: 200,
      maxDelayMs: 2000,
      maxAttempts: 11,
      shouldRetry: (err) => isRetriable(err) && kafkaClientRetriable(err),
    });
  }

  async commit(): Promise<void> {
    await guardFencing(this.transactionalId, () => this.tx.commit());
  }

  async abort(): Promise<void> {
    await guardFencing(this.transactionalId, () => this.tx.abort());
  }

  isActive(): boolean {
    return this.tx.isActive();
  }
}

/**
 * Transactional producer (idempotent, acks=all). A transactional id belongs to one
 * live instance: starting another with the same id fences the older one, whose next
 * call throws ProducerFencedError.
 */
export class KafkaTransactionalProducer {
  private constructor(
    private readonly producer: Producer,
    readonly transactionalId: string,
  ) {}

  static async connect(
    conn: KafkaConnection,
    transactionalId: string,
    opts: { transactionTimeoutMs?: number } = {},
  ): Promise<KafkaTransactionalProducer> {
    const producer = createClient(conn).producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: opts.transactionTimeoutMs ?? 60_000,
      createPartitioner,
    });
    await connected(producer, conn);
    return new KafkaTransactionalProducer(producer, transactionalId);
  }

  async begin(): Promise<KafkaTransaction> {
    const tx = await guardFencing(this.transactionalId, () => this.producer.transaction());
    return new KafkaTransaction(tx, this.transactionalId);
  }

  /** Runs `work` in a transaction; commits if it resolves, aborts if it throws. */
  async inTransaction<T>(work: (tx: KafkaTransaction) => Promise<T>): Promise<T> {
    const tx = await this.begin();
    try {
      const result = await work(tx);
      await tx.commit();
      return result;
    } catch (err) {
      if (tx.isActive() && !(err instanceof ProducerFencedError)) {
        await tx.abort().catch(() => undefined);
      }
      throw err;
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

async function guardFencing<T>(transactionalId: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type === 'INVALID_PRODUCER_EPOCH' || type === 'PRODUCER_FENCED' || type === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED') {
      throw new ProducerFencedError(transactionalId, err);
    }
    throw err;
  }
}
