import { agreementCodec, aggregateCodec, dataRecordCodec, importedRecordCodec, type DataRecord } from '@mobilecs/domain';
import {
  KafkaAdmin,
  KafkaConsumer,
  ProducerFencedError,
  restoreChangelog,
  type BatchContext,
  type KafkaConnection,
  type Logger,
  type MessageBatch,
  type OutgoingMessage,
  type TopicNames,
  type TopicPartitionOffset,
} from '@mobilecs/platform';
import { UsageProcessor, type UsageOutput, type UsageProcessorConfig, type StateChange } from '@mobilecs/windowing';
import type { DataRecordStore } from './data-record-store';
import type { IngesterMetrics } from './ingester-metrics';
import { PartitionProducers } from './partition-producers';

export interface IngesterOptions {
  kafka: KafkaConnection;
  topics: TopicNames;
  changelogTopic: string;
  groupId: string;
  transactionalIdPrefix: string;
  processor: UsageProcessorConfig;
  tickMs: number;
  sessionTimeoutMs: number;
}

/** Serialises all work on the processor: batches, ticks and rebalances never interleave. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * The ingester: a consume-transform-produce loop over co-partitioned `agreements` and
 * `incoming-data-records`. For each batch of input partition p it matches and counts in
 * the UsageProcessor, upserts the data records into Cassandra, then commits — in one
 * Kafka transaction of p's producer — the aggregates, late records and dead letters,
 * the changed keyed state (changelog) and the input offsets. Outputs that a watermark
 * move causes in another partition q go in a transaction of q's producer. State of a
 * partition is rebuilt from the changelog whenever the partition is (re)assigned, and
 * after any failed transaction.
 */
export class Ingester {
  private processor: UsageProcessor;
  private readonly mutex = new Mutex();
  private readonly producers: PartitionProducers;
  private consumer: KafkaConsumer | undefined;
  private admin: KafkaAdmin | undefined;
  private assigned = new Set<number>();
  private readonly restored = new Set<number>();
  /** Next offset to read of incoming-data-records per partition (caught-up detection). */
  private readonly positions = new Map<number, bigint>();
  /** Next offset to read of agreements per partition. */
  private readonly agreementPositions = new Map<number, bigint>();
  /** Record partitions paused until their agreements partition has been read to its end, since when. */
  private readonly waitingForAgreements = new Map<number, number>();
  /** Agreements end offsets accepted as "read" one short of the end (a transaction marker). */
  private readonly acceptedAgreementEnds = new Map<number, bigint>();
  private tick: NodeJS.Timeout | undefined;
  private stopping = false;
  state: 'starting' | 'running' | 'stopping' = 'starting';

  constructor(
    private readonly opts: IngesterOptions,
    private readonly store: DataRecordStore,
    private readonly metrics: IngesterMetrics,
    private readonly log: Logger,
  ) {
    this.processor = new UsageProcessor(opts.processor);
    this.producers = new PartitionProducers(opts.kafka, opts.transactionalIdPrefix);
  }

  async start(): Promise<void> {
    this.admin = await KafkaAdmin.connect(this.opts.kafka);
    this.consumer = await KafkaConsumer.connect(this.opts.kafka, {
      groupId: this.opts.groupId,
      readCommitted: true,
      fromBeginning: true,
      manualCommit: true,
      coPartitioned: true,
      sessionTimeoutMs: this.opts.sessionTimeoutMs,
    });
    await this.consumer.subscribe([this.opts.topics.agreements, this.opts.topics.incomingDataRecords]);
    await this.consumer.run({
      autoResolve: false,
      onAssignment: (tps) => this.mutex.run(() => this.onAssignment(tps.map((t) => t.partition))),
      eachBatch: (batch, ctx) => this.mutex.run(() => this.onBatch(batch, ctx)),
    });
    this.tick = setInterval(() => void this.mutex.run(() => this.onTick()).catch((err: unknown) => this.log.error({ err }, 'tick failed')), this.opts.tickMs);
    this.state = 'running';
  }

  /** Live usage of an agreement's open billing periods held by this instance. */
  openPeriods(agreementId: string) {
    return this.processor.openWindows(agreementId).map((w) => ({
      agreementId: w.agreementId,
      year: w.year,
      month: w.month,
      billingPeriodTimeZone: w.zone,
      periodStart: new Date(w.startMs).toISOString(),
      periodEnd: new Date(w.endMs).toISOString(),
      totalRecordedBytes: w.totalBytes,
      maxBytesInBillingPeriod: w.maxBytes,
      dataPlanExceeded: w.exceededEmitted,
      latestRecordedAt: w.latestRecordedAt === null ? null : new Date(w.latestRecordedAt).toISOString(),
      latestInternalRecordId: w.latestInternalRecordId,
    }));
  }

  assignedPartitions(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  private async onAssignment(partitions: number[]): Promise<void> {
    const next = new Set(partitions);
    const revoked = [...this.assigned].filter((p) => !next.has(p));
    if (revoked.length) {
      this.processor.revokePartitions(revoked);
      for (const p of revoked) {
        this.restored.delete(p);
        this.positions.delete(p);
        this.agreementPositions.delete(p);
        this.waitingForAgreements.delete(p);
        this.acceptedAgreementEnds.delete(p);
        await this.producers.release(p);
      }
    }
    this.assigned = next;
    this.log.info({ partitions: this.assignedPartitions(), revoked }, 'partitions assigned');
  }

  /** Rebuilds the state of assigned partitions that have none yet, from the changelog. */
  private async ensureRestored(): Promise<void> {
    const missing = [...this.assigned].filter((p) => !this.restored.has(p));
    if (missing.length === 0) return;
    // Initialising each partition's transactional id first aborts a previous owner's
    // open transaction, so the changelog read below is final.
    const producers = await Promise.all(missing.map((p) => this.producers.get(p)));
    let problems = 0;
    const { records } = await restoreChangelog(
      this.opts.kafka,
      producers[0]!,
      this.opts.changelogTopic,
      (m) => {
        if (m.key === null) return;
        let value: unknown = null;
        if (m.value !== null) {
          try {
            value = JSON.parse(m.value.toString('utf8'));
          } catch {
            problems++;
            return;
          }
        }
        const r = this.processor.restoreKey(m.key, value);
        if (!r.ok) problems++;
      },
      { partitions: missing },
    );
    this.processor.assignPartitions(missing);
    const committed = await this.admin!.committedOffsets(this.opts.groupId, this.opts.topics.incomingDataRecords);
    const committedAgreements = await this.admin!.committedOffsets(this.opts.groupId, this.opts.topics.agreements);
    const at = (list: typeof committed, p: number) => {
      const o = list.find((c) => c.partition === p)?.offset ?? '-1';
      return o === '-1' ? 0n : BigInt(o);
    };
    for (const p of missing) {
      this.positions.set(p, at(committed, p));
      this.agreementPositions.set(p, at(committedAgreements, p));
      this.restored.add(p);
    }
    this.log.info({ partitions: missing, records, problems }, 'state restored from the changelog');
  }

  private async onBatch(input: MessageBatch, ctx: BatchContext): Promise<void> {
    if (this.stopping || input.messages.length === 0) return;
    await this.ensureRestored();
    const p = input.partition;
    const isAgreements = input.topic === this.opts.topics.agreements;
    // A batch fetched before a seek may be delivered again: never count an offset twice.
    const position = isAgreements ? this.agreementPositions.get(p) : this.positions.get(p);
    const batch = position === undefined ? input : { ...input, messages: input.messages.filter((m) => BigInt(m.offset) >= position) };
    if (batch.messages.length === 0) return;
    // Both end-offset look-ups in parallel: one round trip of waiting per batch, not two.
    const [readToEnd, recordEnds] = await Promise.all([
      isAgreements ? true : this.agreementsReadToEnd(p),
      this.admin!.endOffsets(this.opts.topics.incomingDataRecords),
    ]);
    if (!readToEnd) {
      // Backfill: read the partition's agreements first, or its records would be held,
      // and expire, while agreements that already exist are still unread.
      this.consumer?.seek({ topic: batch.topic, partition: p, offset: batch.messages[0]!.offset });
      this.consumer?.pause([{ topic: batch.topic, partition: p }]);
      if (!this.waitingForAgreements.has(p)) this.waitingForAgreements.set(p, Date.now());
      this.log.debug({ partition: p }, 'records paused until the agreements are read');
      return;
    }
    // Fresh end offsets before the watermark moves: a partition that looked empty at the
    // last tick may have records on their way by now.
    this.applyCaughtUp(recordEnds);
    const wall = Date.now();
    const outputs: UsageOutput[] = [];
    const deadLetters: OutgoingMessage[] = [];
    for (const m of batch.messages) {
      const decoded = isAgreements ? agreementCodec.decode(m.value ?? '') : importedRecordCodec.decode(m.value ?? '');
      if (!decoded.ok) {
        deadLetters.push(this.deadLetter(batch.topic, p, m.offset, m.value, decoded.error.reason, decoded.error.message));
        continue;
      }
      if (isAgreements) outputs.push(...this.processor.onAgreement(decoded.value as Parameters<UsageProcessor['onAgreement']>[0], p));
      else outputs.push(...this.processor.onRecord(decoded.value as Parameters<UsageProcessor['onRecord']>[0], p, wall));
    }
    this.metrics.messagesIn.inc({ topic: isAgreements ? 'agreements' : 'incoming-data-records' }, batch.messages.length);
    const last = batch.messages[batch.messages.length - 1]!.offset;
    const next = (BigInt(last) + 1n).toString();
    if (isAgreements) this.agreementPositions.set(p, BigInt(next));
    if (!isAgreements) {
      this.positions.set(p, BigInt(next));
      // The last offset of a transactional topic is the commit marker, hence the −1.
      this.processor.setCaughtUp(p, BigInt(next) >= BigInt(batch.highWatermark) - 1n);
    }
    outputs.push(...this.processor.advance(wall));
    const ok = await this.commit(outputs, deadLetters, { partition: p, topic: batch.topic, offset: next }, () => ctx.heartbeat());
    this.log.debug({ topic: batch.topic, partition: p, messages: batch.messages.length, outputs: outputs.length, ms: Date.now() - wall, watermark: this.processor.currentWatermark() }, 'batch');
    if (ok) {
      ctx.resolveOffset(last);
      if (isAgreements && this.waitingForAgreements.has(p)) await this.resumeRecordsIfReady([p]);
    } else {
      // Nothing of this batch was committed: fetch it again after the state was rebuilt.
      this.consumer?.seek({ topic: batch.topic, partition: p, offset: batch.messages[0]!.offset });
    }
  }

  /**
   * Whether partition p of `agreements` has been read to its end. One short of the end is
   * ambiguous: an unread agreement, or the commit marker of a transactional producer. It
   * is accepted once no agreement arrived for a second while records waited.
   */
  private async agreementsReadToEnd(p: number): Promise<boolean> {
    const ends = await this.admin!.endOffsets(this.opts.topics.agreements);
    const end = BigInt(ends.find((e) => e.partition === p)?.offset ?? '0');
    const pos = this.agreementPositions.get(p) ?? 0n;
    if (pos >= end) return true;
    if (pos !== end - 1n) return false;
    if (this.acceptedAgreementEnds.get(p) === end) return true;
    const since = this.waitingForAgreements.get(p);
    if (since !== undefined && Date.now() - since >= 1000) {
      this.acceptedAgreementEnds.set(p, end);
      return true;
    }
    return false;
  }

  private async resumeRecordsIfReady(partitions: number[]): Promise<void> {
    for (const p of partitions) {
      if (!this.assigned.has(p) || !(await this.agreementsReadToEnd(p))) continue;
      this.waitingForAgreements.delete(p);
      this.consumer?.resume([{ topic: this.opts.topics.incomingDataRecords, partition: p }]);
      this.log.debug({ partition: p }, 'records resumed');
    }
  }

  /** Caught up = our position reached the end offset (the last offset may be a commit marker). */
  private async refreshCaughtUp(): Promise<void> {
    this.applyCaughtUp(await this.admin!.endOffsets(this.opts.topics.incomingDataRecords));
  }

  private applyCaughtUp(ends: TopicPartitionOffset[]): void {
    for (const e of ends) {
      if (!this.assigned.has(e.partition)) continue;
      const pos = this.positions.get(e.partition) ?? 0n;
      this.processor.setCaughtUp(e.partition, pos >= BigInt(e.offset) - 1n);
    }
  }

  /** Idleness, caught-up status of empty partitions, and the wall-clock close policy. */
  private async onTick(): Promise<void> {
    if (this.stopping || this.assigned.size === 0 || !this.admin) return;
    await this.ensureRestored();
    await this.resumeRecordsIfReady([...this.waitingForAgreements.keys()]);
    await this.refreshCaughtUp();
    const wall = Date.now();
    const outputs = this.processor.advance(wall);
    await this.commit(outputs, [], undefined, async () => undefined);
    const wm = this.processor.currentWatermark();
    if (wm !== null) this.metrics.watermarkLagSeconds.set((wall - wm) / 1000);
    this.metrics.windowsOpen.set(this.processor.windowCount());
    this.metrics.msisdnsHolding.set(this.processor.holdingCount());
  }

  /**
   * Stores the data records, then commits per partition: outputs + state changes (+ the
   * input offsets for the batch's partition). Returns false if the batch partition's
   * transaction failed; any partition whose transaction failed has its state rebuilt.
   */
  private async commit(
    outputs: UsageOutput[],
    deadLetters: OutgoingMessage[],
    input: { partition: number; topic: string; offset: string } | undefined,
    keepAlive: () => Promise<void>,
  ): Promise<boolean> {
    const changes = this.processor.drainChanges();
    const records: DataRecord[] = [];
    const byPartition = new Map<number, OutgoingMessage[]>();
    const add = (p: number, m: OutgoingMessage) => {
      const list = byPartition.get(p) ?? [];
      list.push(m);
      byPartition.set(p, list);
    };
    for (const o of outputs) {
      switch (o.kind) {
        case 'data-record':
          records.push(o.record);
          this.metrics.recordsMatched.inc();
          break;
        case 'aggregate':
          add(o.partition, { topic: this.opts.topics.dataRecordsAggregates, key: o.key, value: aggregateCodec.encode(o.aggregate), timestamp: o.timestampMs });
          this.metrics.aggregates.inc({ type: o.aggregate.type });
          break;
        case 'late':
          add(o.partition, { topic: this.opts.topics.dataRecordsLate, key: o.key, value: JSON.stringify({ ...dataRecordCodec.toJson(o.record), reason: o.message }), timestamp: o.timestampMs });
          this.metrics.recordsLate.inc();
          break;
        case 'dead-letter':
          add(o.partition, {
            topic: this.opts.topics.deadLetters,
            key: this.opts.topics.incomingDataRecords,
            value: JSON.stringify({ source: { topic: this.opts.topics.incomingDataRecords, partition: o.partition }, reason: o.reason, message: o.message, record: importedRecordCodec.toJson(o.record) }),
          });
          this.metrics.deadLetters.inc({ reason: o.reason });
          break;
      }
    }
    if (input) for (const d of deadLetters) add(input.partition, d);
    for (const c of changes) add(c.partition, changelogMessage(this.opts.changelogTopic, c));
    if (input && !byPartition.has(input.partition)) byPartition.set(input.partition, []);
    // Records are stored before the transaction that commits their offsets: a crash in
    // between replays them, and the upsert makes the replay harmless.
    await this.store.writeAll(records, keepAlive);

    let inputOk = true;
    for (const [p, messages] of [...byPartition].sort(([a], [b]) => a - b)) {
      const end = this.metrics.transactionSeconds.startTimer();
      try {
        const producer = await this.producers.get(p);
        await producer.inTransaction(async (tx) => {
          await tx.send(messages);
          if (input && input.partition === p) await tx.sendOffsets(this.opts.groupId, [{ topic: input.topic, partition: p, offset: input.offset }]);
        });
        end();
      } catch (err) {
        if (input?.partition === p) inputOk = false;
        this.log.error({ err, partition: p, fenced: err instanceof ProducerFencedError }, `transaction for partition ${p} failed: rebuilding its state from the changelog`);
        this.processor.revokePartitions([p]);
        this.restored.delete(p);
        await this.producers.release(p);
      }
    }
    return inputOk;
  }

  private deadLetter(topic: string, partition: number, offset: string, value: Buffer | null, reason: string, message: string): OutgoingMessage {
    this.metrics.deadLetters.inc({ reason });
    this.log.warn({ topic, partition, offset, reason }, `${topic}/${partition}@${offset}: ${message}`);
    return {
      topic: this.opts.topics.deadLetters,
      key: topic,
      value: JSON.stringify({ source: { topic, partition, offset }, reason, message, raw: value?.toString('utf8') ?? null, rejectedAt: new Date().toISOString() }),
    };
  }

  /** Finishes the batch in progress (its transaction commits), then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.state = 'stopping';
    if (this.tick) clearInterval(this.tick);
    await this.mutex.run(async () => undefined);
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producers.releaseAll();
    await this.admin?.disconnect().catch(() => undefined);
  }
}

function changelogMessage(topic: string, c: StateChange): OutgoingMessage {
  return { topic, partition: c.partition, key: c.key, value: c.value === null ? null : JSON.stringify(c.value) };
}
