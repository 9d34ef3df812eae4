// One task per assigned input partition, as in Kafka Streams: everything the ingester
// keeps for partition p of the co-partitioned inputs lives here, including the
// transactional producer of p, so that a revoke drops the task and nothing is left behind.
import type { KafkaTransactionalProducerPort } from '@mobilecs/platform';

/** What the ingester knows of one input topic-partition (p of `agreements` or of `incoming-data-records`). */
export class InputProgress {
  /** Next offset to process; undefined until restored from the committed offsets. */
  next: bigint | undefined;
  /**
   * Offsets [from, through) hold nothing the consumer delivers (transaction markers,
   * aborted transactions), as a fetch found; `from` was our position then (undefined:
   * before the position was restored, see restoredAt).
   */
  passed: { from: bigint | undefined; through: bigint } | undefined;
  /** Paused after a transient failure until this wall time. */
  backoffUntil: number | undefined;
  /** Processed one message per transaction up to this offset, to find a poison message. */
  isolateUntil: bigint | undefined;

  /** The position is known: the committed offset (a gap passed before that started there). */
  restoredAt(committed: bigint): void {
    this.next = committed;
    if (this.passed && this.passed.from === undefined) this.passed.from = committed;
  }

  /** The consumer passed offsets up to `through` that hold nothing to deliver. */
  notePassed(through: bigint): void {
    this.passed = { from: this.next, through };
  }

  /**
   * Whether this input has been read up to `end`: our position reached it, or what lies
   * between holds nothing to deliver. Guessing from the distance to the end cannot work: an
   * aborted transaction leaves any number of offsets behind.
   */
  readThrough(end: bigint): boolean {
    const pos = this.next ?? 0n;
    if (pos >= end) return true;
    const gap = this.passed;
    return gap !== undefined && gap.from !== undefined && pos >= gap.from && gap.through >= end;
  }
}

/** Per partition: what readiness and the retry logic need to know. */
export interface PartitionHealth {
  /** Wall time of the last commit, or of the moment the partition had nothing to do. */
  progressAt: number;
  /** Input waiting (records or agreements not yet committed), as last seen. */
  lagging: boolean;
  /** Transient failures in a row. */
  failures: number;
  lastError?: { message: string; at: number };
}

export class PartitionTask {
  readonly records = new InputProgress();
  readonly agreements = new InputProgress();
  /** State rebuilt from the changelog and positions known. */
  restored = false;
  /** Records paused until this partition's agreements have been read to their end, since when. */
  waitingForAgreementsSince: number | undefined;
  readonly health: PartitionHealth;
  private producerPromise: Promise<KafkaTransactionalProducerPort> | undefined;

  constructor(
    readonly partition: number,
    now: number,
    private readonly transactionalIdPrefix: string,
    private readonly connectProducer: (partition: number, transactionalId: string) => Promise<KafkaTransactionalProducerPort>,
  ) {
    this.health = { progressAt: now, lagging: false, failures: 0 };
  }

  /**
   * The transactional producer of this partition (`<prefix>-<partition>`), as kafkajs
   * recommends without KIP-447: whoever takes over a partition initialises its
   * transactional id, which aborts the previous owner's open transaction and fences it.
   */
  producer(): Promise<KafkaTransactionalProducerPort> {
    if (!this.producerPromise) {
      const p = this.connectProducer(this.partition, `${this.transactionalIdPrefix}-${this.partition}`);
      this.producerPromise = p;
      p.catch(() => {
        if (this.producerPromise === p) this.producerPromise = undefined;
      });
    }
    return this.producerPromise;
  }

  /** Disconnects the producer (after a failed transaction, or when the task is dropped). */
  async releaseProducer(): Promise<void> {
    const p = this.producerPromise;
    this.producerPromise = undefined;
    if (p) await p.then((producer) => producer.disconnect()).catch(() => undefined);
  }
}
