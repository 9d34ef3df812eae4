// The dashboard's alerts: data-records-aggregates read read_committed from its tail (the
// newest few hundred per partition at start-up) and then as messages are committed, into
// the AlertLog. A consumer group of its own per process (no offsets are ever committed:
// every start reads the tail again), so each backend replica sees every alert.
import { randomUUID } from 'node:crypto';
import { parseExact } from '@mobilecs/domain';
import { KafkaAdmin, KafkaConsumer, type KafkaConnection, type Logger } from '@mobilecs/platform';
import type { AlertLog } from '../dashboard/alert-log';

export class KafkaAlertFeed {
  private consumer: KafkaConsumer | undefined;
  private skipped = 0;
  /** True once the consumer runs (readiness). */
  running = false;

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly topic: string,
    private readonly log: AlertLog,
    private readonly logger: Logger,
    /** How many of the newest messages of each partition are read at start-up. */
    private readonly tailPerPartition: number,
    private readonly now: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    const admin = await KafkaAdmin.connect(this.kafka);
    let ends: Map<number, bigint>;
    try {
      ends = new Map((await admin.endOffsets(this.topic)).map((e) => [e.partition, e.offset]));
    } finally {
      await admin.disconnect();
    }
    const consumer = await KafkaConsumer.connect(
      { ...this.kafka, clientId: `${this.kafka.clientId}-alerts` },
      { groupId: `${this.kafka.clientId}-alerts-${randomUUID()}`, readCommitted: true, fromBeginning: true, manualCommit: true },
    );
    this.consumer = consumer;
    // Ready once each partition is read up to where it ended at start-up: the alerts page
    // then lists what was there, not an empty list while the tail is still on its way.
    const behind = new Set([...ends].filter(([, end]) => end > 0n).map(([p]) => p));
    let caughtUp!: () => void;
    const tailRead = new Promise<void>((resolve) => (caughtUp = resolve));
    const reached = (partition: number, next: bigint) => {
      if (next >= (ends.get(partition) ?? 0n) && behind.delete(partition) && behind.size === 0) caughtUp();
    };
    if (behind.size === 0) caughtUp();
    await consumer.subscribe([this.topic]);
    await consumer.run({
      onPassed: (to) => reached(to.partition, to.offset),
      onAssignment: (assigned) => {
        for (const { partition } of assigned) {
          const end = ends.get(partition) ?? 0n;
          const from = end - BigInt(this.tailPerPartition);
          if (from > 0n) consumer.seek({ topic: this.topic, partition, offset: from });
        }
      },
      eachBatch: async (batch) => {
        for (const m of batch.messages) {
          let message: unknown;
          try {
            message = parseExact(m.value?.toString('utf8') ?? '');
          } catch (err) {
            message = undefined;
            if (++this.skipped <= 20) this.logger.warn({ partition: m.partition, offset: m.offset, err: err instanceof Error ? err.message : String(err) }, 'an aggregates message is not JSON: not shown as an alert');
          }
          if (typeof message !== 'object' || message === null || typeof (message as { type?: unknown }).type !== 'string') continue;
          this.log.add({ id: `${m.partition}:${m.offset}`, partition: m.partition, offset: m.offset, receivedAt: new Date(this.now()).toISOString(), message });
        }
        reached(batch.partition, batch.fetchedThrough);
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.logger.warn({ topic: this.topic, partitions: [...behind] }, 'the tail of the aggregates topic is not read within 30 s: alerts page starts with what is there');
        resolve();
      }, 30_000);
    });
    await Promise.race([tailRead, timedOut]);
    clearTimeout(timer);
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
