// An in-memory Kafka behind platform's Kafka ports (kafka/ports.ts), for unit tests of the
// services' shells in the spirit of Kafka Streams' TopologyTestDriver: topics with partitions and offsets,
// transactions (messages and offsets visible to read_committed readers only on commit; an
// abort leaves its messages and a marker as a gap), committed group offsets, consumers
// the test drives batch by batch and rebalances by hand, fencing by transactional id, and
// failures injected on purpose. Test-only: exported as @mobilecs/platform/testing, which
// no production module imports.
import { randomUUID } from 'node:crypto';
import {
  ProducerFencedError,
  RESTORE_MARKER_KEY,
  type ConsumerOptions,
  type IncomingMessage,
  type KafkaConsumerPort,
  type KafkaOffsetsAdminPort,
  type KafkaTransactionalProducerPort,
  type KafkaTransactionPort,
  type OutgoingMessage,
  type RunOptions,
  type TopicPartition,
  type TopicPartitionOffset,
} from '../kafka';

interface Txn {
  readonly transactionalId: string;
  readonly epoch: number;
  status: 'open' | 'committed' | 'aborted';
  /** Topic-partitions written, each gets a marker at the end. */
  readonly touched: Set<string>;
  readonly offsets: { group: string; offsets: TopicPartitionOffset[] }[];
}

interface Entry {
  key: string | null;
  value: Buffer | null;
  timestamp: number;
  headers: Record<string, string>;
  /** Written in a transaction (absent: a plain send, visible at once). */
  txn?: Txn;
  /** A transaction marker: takes an offset, never delivered. */
  control?: 'commit' | 'abort';
}

/** A failure a test asks for: the next matching transaction throws `error`. */
interface InjectedFailure {
  error: Error;
  transactionalId: string | undefined;
  on: 'send' | 'commit';
}

/** A broker refusal: every send holding a matching message throws (deterministically). */
interface Refusal {
  matches: (m: OutgoingMessage) => boolean;
  error: () => Error;
}

const tpKey = (topic: string, partition: number) => `${topic}/${partition}`;

function toBuffer(v: string | Buffer | null): Buffer | null {
  return v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
}

/** A stable partition for a key (not Kafka's murmur2: tests read every partition of outputs). */
function partitionOfKey(key: string | null, partitions: number): number {
  let h = 0;
  for (const c of key ?? '') h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % partitions;
}

export class FakeKafka {
  private readonly topics = new Map<string, Entry[][]>();
  private readonly groups = new Map<string, Map<string, bigint>>();
  private readonly epochs = new Map<string, number>();
  private readonly openTxns = new Map<string, Txn>();
  private readonly failures: InjectedFailure[] = [];
  private readonly refusals: Refusal[] = [];
  readonly consumers: FakeConsumer[] = [];
  /** Most messages one fetch delivers. */
  maxBatchMessages = 100;

  createTopic(topic: string, partitions: number): void {
    if (!this.topics.has(topic)) this.topics.set(topic, Array.from({ length: partitions }, () => []));
  }

  partitionCount(topic: string): number {
    return this.log(topic).length;
  }

  private log(topic: string): Entry[][] {
    const t = this.topics.get(topic);
    if (!t) throw Object.assign(new Error(`This server does not host this topic-partition (${topic})`), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    return t;
  }

  private partitionLog(topic: string, partition: number): Entry[] {
    const p = this.log(topic)[partition];
    if (!p) throw Object.assign(new Error(`This server does not host this topic-partition (${topic}/${partition})`), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    return p;
  }

  private append(m: OutgoingMessage, txn?: Txn): TopicPartitionOffset {
    const partition = m.partition ?? partitionOfKey(m.key, this.partitionCount(m.topic));
    const log = this.partitionLog(m.topic, partition);
    log.push({ key: m.key, value: toBuffer(m.value), timestamp: m.timestamp ?? 0, headers: m.headers ?? {}, ...(txn ? { txn } : {}) });
    return { topic: m.topic, partition, offset: BigInt(log.length - 1) };
  }

  /** Plain (non-transactional) sends, visible at once: what a test puts on the inputs. */
  produce(messages: OutgoingMessage[]): void {
    for (const m of messages) this.append(m);
  }

  /** The high watermark: the offset after the last entry, markers and open transactions included. */
  endOffset(topic: string, partition: number): bigint {
    return BigInt(this.partitionLog(topic, partition).length);
  }

  committed(group: string, topic: string, partition: number): bigint | undefined {
    return this.groups.get(group)?.get(tpKey(topic, partition));
  }

  /**
   * What a read_committed reader gets from `from` on: the messages, and the offset after
   * everything scanned (stops at the first open transaction: the last stable offset).
   */
  fetch(topic: string, partition: number, from: bigint, max = Number.MAX_SAFE_INTEGER): { messages: IncomingMessage[]; through: bigint } {
    const log = this.partitionLog(topic, partition);
    const messages: IncomingMessage[] = [];
    let i = Number(from);
    for (; i < log.length && messages.length < max; i++) {
      const e = log[i]!;
      if (e.txn?.status === 'open') break;
      if (e.control || e.txn?.status === 'aborted') continue;
      messages.push({ topic, partition, offset: BigInt(i), key: e.key, value: e.value, timestamp: e.timestamp, headers: e.headers });
    }
    // Markers right after the last message are passed with it, as a fetch would.
    while (i < log.length && log[i]!.control && log[i]!.txn?.status !== 'open') i++;
    return { messages, through: BigInt(i) };
  }

  /** Every committed message of a topic (all partitions), as a read_committed reader sees it. */
  read(topic: string): IncomingMessage[] {
    return this.log(topic).flatMap((_, p) => this.fetch(topic, p, 0n).messages);
  }

  /** Every entry of a topic-partition including aborted ones and markers (for assertions on gaps). */
  rawLength(topic: string, partition: number): number {
    return this.partitionLog(topic, partition).length;
  }

  /** The next transaction (of `transactionalId`, or of any producer) fails with `error`, at its first send or at commit (default). */
  failNextTransaction(error: Error, opts: { transactionalId?: string; on?: 'send' | 'commit' } = {}): void {
    this.failures.push({ error, transactionalId: opts.transactionalId, on: opts.on ?? 'commit' });
  }

  /** The broker refuses every send holding a message that `matches` (e.g. MESSAGE_TOO_LARGE). */
  refuse(matches: (m: OutgoingMessage) => boolean, error: () => Error): void {
    this.refusals.push({ matches, error });
  }

  /** Initialises `transactionalId` as a new producer does: aborts its open transaction and fences older producers. */
  initProducer(transactionalId: string): FakeProducer {
    const epoch = (this.epochs.get(transactionalId) ?? 0) + 1;
    this.epochs.set(transactionalId, epoch);
    const open = this.openTxns.get(transactionalId);
    if (open) this.finish(open, 'abort');
    return new FakeProducer(this, transactionalId, epoch);
  }

  /** @internal */ checkFenced(transactionalId: string, epoch: number): void {
    if (this.epochs.get(transactionalId) !== epoch) throw new ProducerFencedError(transactionalId);
  }

  /** @internal */ beginTxn(transactionalId: string, epoch: number): Txn {
    this.checkFenced(transactionalId, epoch);
    const txn: Txn = { transactionalId, epoch, status: 'open', touched: new Set(), offsets: [] };
    this.openTxns.set(transactionalId, txn);
    return txn;
  }

  private takeFailure(txn: Txn, on: 'send' | 'commit'): Error | undefined {
    const i = this.failures.findIndex((f) => f.on === on && (f.transactionalId === undefined || f.transactionalId === txn.transactionalId));
    if (i < 0) return undefined;
    return this.failures.splice(i, 1)[0]!.error;
  }

  /** @internal */ txnSend(txn: Txn, messages: OutgoingMessage[]): void {
    this.checkFenced(txn.transactionalId, txn.epoch);
    const failure = this.takeFailure(txn, 'send');
    if (failure !== undefined) throw failure;
    const refused = this.refusals.find((r) => messages.some(r.matches));
    if (refused) throw refused.error();
    for (const m of messages) {
      const at = this.append(m, txn);
      txn.touched.add(tpKey(at.topic, at.partition));
    }
  }

  /** @internal */ txnSendOffsets(txn: Txn, group: string, offsets: TopicPartitionOffset[]): void {
    this.checkFenced(txn.transactionalId, txn.epoch);
    txn.offsets.push({ group, offsets });
  }

  /** @internal */ txnCommit(txn: Txn): void {
    this.checkFenced(txn.transactionalId, txn.epoch);
    const failure = this.takeFailure(txn, 'commit');
    if (failure !== undefined) throw failure;
    this.finish(txn, 'commit');
    for (const { group, offsets } of txn.offsets) {
      const g = this.groups.get(group) ?? new Map<string, bigint>();
      this.groups.set(group, g);
      for (const o of offsets) g.set(tpKey(o.topic, o.partition), o.offset);
    }
  }

  /** @internal */ txnAbort(txn: Txn): void {
    this.checkFenced(txn.transactionalId, txn.epoch);
    this.finish(txn, 'abort');
  }

  private finish(txn: Txn, how: 'commit' | 'abort'): void {
    if (txn.status !== 'open') return;
    txn.status = how === 'commit' ? 'committed' : 'aborted';
    if (this.openTxns.get(txn.transactionalId) === txn) this.openTxns.delete(txn.transactionalId);
    for (const tp of txn.touched) {
      const cut = tp.lastIndexOf('/');
      this.partitionLog(tp.slice(0, cut), Number(tp.slice(cut + 1))).push({ key: null, value: null, timestamp: 0, headers: {}, control: how, txn });
    }
  }

  admin(): KafkaOffsetsAdminPort {
    return new FakeAdmin(this);
  }

  /** A consumer-group member; the test drives it (assign, poll, drain). */
  connectConsumer(opts: ConsumerOptions): FakeConsumer {
    const c = new FakeConsumer(this, opts);
    this.consumers.push(c);
    return c;
  }

  /** platform's restoreChangelog on this fake: commit a marker with `producer`, read each partition (all by default) up to it. */
  async restoreChangelog(producer: KafkaTransactionalProducerPort, topic: string, onRecord: (m: IncomingMessage) => void, partitions: number[] = [...Array(this.partitionCount(topic)).keys()]): Promise<{ records: number }> {
    if (partitions.length === 0) return { records: 0 };
    const marker = randomUUID();
    await producer.inTransaction((tx) => tx.send(partitions.map((partition) => ({ topic, partition, key: RESTORE_MARKER_KEY, value: marker }))));
    let records = 0;
    for (const p of partitions) {
      let found = false;
      for (const m of this.fetch(topic, p, 0n).messages) {
        if (m.key === RESTORE_MARKER_KEY) {
          if (m.value?.toString() === marker) {
            found = true;
            break;
          }
          continue;
        }
        records++;
        onRecord(m);
      }
      if (!found) throw new Error(`restoring ${topic}/${p}: the marker is behind an open transaction`);
    }
    return { records };
  }
}

export class FakeProducer implements KafkaTransactionalProducerPort {
  disconnected = false;
  constructor(
    private readonly kafka: FakeKafka,
    readonly transactionalId: string,
    readonly epoch: number,
  ) {}

  async inTransaction<T>(work: (tx: KafkaTransactionPort) => Promise<T>): Promise<T> {
    await Promise.resolve();
    const txn = this.kafka.beginTxn(this.transactionalId, this.epoch);
    const kafka = this.kafka;
    const tx: KafkaTransactionPort = {
      send: (messages) => Promise.resolve().then(() => kafka.txnSend(txn, messages)),
      sendOffsets: (group, offsets) => Promise.resolve().then(() => kafka.txnSendOffsets(txn, group, offsets)),
    };
    try {
      const result = await work(tx);
      kafka.txnCommit(txn);
      return result;
    } catch (err) {
      if (!(err instanceof ProducerFencedError)) {
        try {
          kafka.txnAbort(txn);
        } catch {
          // fenced meanwhile: the new owner aborted it
        }
      }
      throw err;
    }
  }

  disconnect(): Promise<void> {
    this.disconnected = true;
    return Promise.resolve();
  }
}

class FakeAdmin implements KafkaOffsetsAdminPort {
  constructor(private readonly kafka: FakeKafka) {}

  endOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    return Promise.resolve(Array.from({ length: this.kafka.partitionCount(topic) }, (_, partition) => ({ topic, partition, offset: this.kafka.endOffset(topic, partition) })));
  }

  committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    return Promise.resolve(
      Array.from({ length: this.kafka.partitionCount(topic) }, (_, partition) => ({ topic, partition, offset: this.kafka.committed(groupId, topic, partition) ?? -1n })),
    );
  }

  disconnect(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A consumer-group member that the test drives: `assign` is a rebalance (positions start
 * again from the committed offsets, as kafkajs does after a join), `poll` delivers one
 * fetch per assigned, unpaused topic-partition, `drain` polls until nothing moves.
 */
export class FakeConsumer implements KafkaConsumerPort {
  private topics: string[] = [];
  private handlers: RunOptions | undefined;
  private assigned: TopicPartition[] = [];
  private readonly positions = new Map<string, bigint>();
  private readonly paused = new Set<string>();
  disconnected = false;

  constructor(
    private readonly kafka: FakeKafka,
    readonly opts: ConsumerOptions,
  ) {}

  subscribe(topics: string[]): Promise<void> {
    this.topics = topics;
    return Promise.resolve();
  }

  run(run: RunOptions): Promise<void> {
    this.handlers = run;
    return Promise.resolve();
  }

  /** A rebalance giving this member `partitions` of every subscribed topic (co-partitioned). */
  async assign(partitions: number[]): Promise<void> {
    this.assigned = this.topics.flatMap((topic) => partitions.map((partition) => ({ topic, partition })));
    const keys = new Set(this.assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    this.positions.clear();
    for (const tp of this.assigned) this.positions.set(tpKey(tp.topic, tp.partition), this.kafka.committed(this.opts.groupId, tp.topic, tp.partition) ?? 0n);
    for (const k of [...this.paused]) if (!keys.has(k)) this.paused.delete(k);
    await this.handlers?.onAssignment?.(this.assigned);
  }

  /** One fetch per assigned, unpaused topic-partition with something to read; returns how many messages were delivered or passed. */
  async poll(): Promise<number> {
    if (!this.handlers) throw new Error('poll before run');
    let moved = 0;
    for (const tp of [...this.assigned]) {
      const k = tpKey(tp.topic, tp.partition);
      const from = this.positions.get(k);
      if (from === undefined || this.paused.has(k)) continue;
      const { messages, through } = this.kafka.fetch(tp.topic, tp.partition, from, this.kafka.maxBatchMessages);
      if (through === from) continue;
      const highWatermark = this.kafka.endOffset(tp.topic, tp.partition);
      if (messages.length === 0) {
        this.positions.set(k, through);
        this.handlers.onPassed?.({ ...tp, offset: through }, highWatermark);
        moved++;
        continue;
      }
      moved += messages.length;
      const last = messages[messages.length - 1]!.offset;
      await this.handlers.eachBatch(
        { topic: tp.topic, partition: tp.partition, highWatermark, fetchedThrough: through, messages },
        {
          heartbeat: () => Promise.resolve(),
          // Resolving the last message resolves what the fetch passed after it (kafkajs).
          resolveOffset: (offset) => {
            if (this.positions.has(k)) this.positions.set(k, offset === last ? through : offset + 1n);
          },
        },
      );
      if (this.handlers.autoResolve !== false && this.positions.get(k) === from) this.positions.set(k, through);
    }
    return moved;
  }

  /** Polls until a round delivers nothing (at most `rounds`). */
  async drain(rounds = 1000): Promise<void> {
    for (let i = 0; i < rounds; i++) if ((await this.poll()) === 0) return;
    throw new Error(`still delivering after ${rounds} polls`);
  }

  position(topic: string, partition: number): bigint | undefined {
    return this.positions.get(tpKey(topic, partition));
  }

  isPaused(topic: string, partition: number): boolean {
    return this.paused.has(tpKey(topic, partition));
  }

  seek(to: TopicPartitionOffset): void {
    const k = tpKey(to.topic, to.partition);
    if (this.positions.has(k)) this.positions.set(k, to.offset);
  }

  pause(partitions: TopicPartition[]): void {
    for (const p of partitions) this.paused.add(tpKey(p.topic, p.partition));
  }

  resume(partitions: TopicPartition[]): void {
    for (const p of partitions) this.paused.delete(tpKey(p.topic, p.partition));
  }

  disconnect(): Promise<void> {
    this.disconnected = true;
    return Promise.resolve();
  }
}
