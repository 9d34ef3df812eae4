import type { Consumer, KafkaMessage } from 'kafkajs';
import { connected, createClient } from './client';
import { coPartitionedAssigner } from './co-partitioned-assigner';
import { encodeMemberInfo } from './group-membership';
import type { IncomingMessage, KafkaConnection, TopicPartition, TopicPartitionOffset } from './types';

export interface ConsumerOptions {
  groupId: string;
  /** Only see committed transactional messages (isolation.level=read_committed). Default true. */
  readCommitted?: boolean;
  /** Where a group with no committed offset starts. Default true (earliest). */
  fromBeginning?: boolean;
  /** Offsets are committed by the caller (e.g. inside a transaction). Default false. */
  manualCommit?: boolean;
  sessionTimeoutMs?: number;
  maxBytesPerPartition?: number;
  /** Give partition i of every subscribed topic to the same member (co-partitioned inputs). */
  coPartitioned?: boolean;
  /** With coPartitioned: the URL this member advertises to the group (see group-membership.ts). */
  advertisedUrl?: string;
}

export interface MessageBatch {
  topic: string;
  partition: number;
  highWatermark: bigint;
  /**
   * The offset after everything this fetch covered, transaction markers and aborted
   * messages included. Resolving the last message resolves up to here (kafkajs skips a
   * trailing marker that way, so it is never reported as passed on its own).
   */
  fetchedThrough: bigint;
  messages: IncomingMessage[];
}

export interface BatchContext {
  /** Marks messages up to `offset` as processed (the next fetch starts after it). */
  resolveOffset(offset: bigint): void;
  /** Keep the group membership alive during long work. */
  heartbeat(): Promise<void>;
}

export interface RunOptions {
  eachBatch(batch: MessageBatch, ctx: BatchContext): Promise<void>;
  /** Called after each join of the group with the partitions this member now owns. */
  onAssignment?(assigned: TopicPartition[]): void | Promise<void>;
  /**
   * Called when a fetch held nothing to deliver (only transaction markers or aborted
   * transactional messages): `offset` is the offset after them, `highWatermark` the end
   * seen by that fetch. Without it, a reader cannot tell such a gap from unread messages.
   */
  onPassed?(to: TopicPartitionOffset, highWatermark: bigint): void;
  /** Resolve each batch's offsets when eachBatch returns (default true). */
  autoResolve?: boolean;
}

function decodeHeaders(h: KafkaMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map((x) => x.toString()).join(',') : v.toString();
  }
  return out;
}

/** A consumer-group member reading one or more topics batch by batch. */
export class KafkaConsumer {
  private constructor(
    private readonly consumer: Consumer,
    private readonly opts: ConsumerOptions,
  ) {}

  static async connect(conn: KafkaConnection, opts: ConsumerOptions): Promise<KafkaConsumer> {
    const consumer = createClient(conn).consumer({
      groupId: opts.groupId,
      readUncommitted: opts.readCommitted === false,
      sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
      ...(opts.coPartitioned ? { partitionAssigners: [coPartitionedAssigner(opts.advertisedUrl === undefined ? undefined : encodeMemberInfo({ url: opts.advertisedUrl }))] } : {}),
      ...(opts.maxBytesPerPartition ? { maxBytesPerPartition: opts.maxBytesPerPartition } : {}),
    });
    await connected(consumer, conn);
    return new KafkaConsumer(consumer, opts);
  }

  async subscribe(topics: string[]): Promise<void> {
    await this.consumer.subscribe({ topics, fromBeginning: this.opts.fromBeginning ?? true });
  }

  async run(run: RunOptions): Promise<void> {
    if (run.onAssignment) {
      this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
        const assigned = Object.entries(e.payload.memberAssignment).flatMap(([topic, partitions]) =>
          partitions.map((partition) => ({ topic, partition })),
        );
        void run.onAssignment?.(assigned);
      });
    }
    if (run.onPassed) {
      // kafkajs resolves such a batch itself and reports it only as an instrumentation event.
      this.consumer.on(this.consumer.events.END_BATCH_PROCESS, (e) => {
        if (e.payload.batchSize !== 0) return;
        run.onPassed?.(
          { topic: e.payload.topic, partition: e.payload.partition, offset: BigInt(e.payload.lastOffset) + 1n },
          BigInt(e.payload.highWatermark),
        );
      });
    }
    await this.consumer.run({
      autoCommit: !(this.opts.manualCommit ?? false),
      // Offsets are resolved by the caller only after its transaction committed, so a
      // batch whose processing failed is fetched again.
      eachBatchAutoResolve: run.autoResolve ?? true,
      eachBatch: async (payload) => {
        const { batch } = payload;
        await run.eachBatch(
          {
            topic: batch.topic,
            partition: batch.partition,
            highWatermark: BigInt(batch.highWatermark),
            fetchedThrough: BigInt(batch.lastOffset()) + 1n,
            messages: batch.messages.map((m) => ({
              topic: batch.topic,
              partition: batch.partition,
              offset: BigInt(m.offset),
              key: m.key ? m.key.toString('utf8') : null,
              value: m.value,
              timestamp: Number(m.timestamp),
              headers: decodeHeaders(m.headers),
            })),
          },
          {
            heartbeat: () => payload.heartbeat(),
            resolveOffset: (offset) => payload.resolveOffset(offset.toString()),
          },
        );
      },
    });
  }

  seek(to: TopicPartitionOffset): void {
    this.consumer.seek({ topic: to.topic, partition: to.partition, offset: to.offset.toString() });
  }

  pause(partitions: TopicPartition[]): void {
    this.consumer.pause(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
  }

  resume(partitions: TopicPartition[]): void {
    this.consumer.resume(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
  }

  async disconnect(): Promise<void> {
    await this.consumer.disconnect();
  }
}
