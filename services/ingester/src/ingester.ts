import { agreementCodec, boundRaw, deadLetterCodec, importedRecordCodec, parseExact, type Agreement, type DataRecord, type DeadLetter, type ImportedRecord } from '@mobilecs/domain';
import {
  LogRateLimiter,
  ProducerFencedError,
  type BatchContext,
  type KafkaConnection,
  type KafkaConsumerPort,
  type KafkaOffsetsAdminPort,
  type Logger,
  type MessageBatch,
  type OutgoingMessage,
  type TopicNames,
  type TopicPartitionOffset,
} from '@mobilecs/platform';
import {
  StoredCopyLookupMissing,
  UsageProcessor,
  type CopyKeyFields,
  type UsageOutput,
  type UsageProcessorConfig,
} from '@mobilecs/windowing';
import { failureKind, retryDelayMs } from './failure-kind';
import type { IngesterMetrics } from './ingester-metrics';
import { routeOutputs, type RoutedOutputs } from './output-routing';
import { PartitionTask, type InputProgress } from './partition-task';
import type { LocalSnapshots } from './local-snapshots';
import { kafkaPorts, type IngesterPorts, type RecordStorePort } from './ports';

export interface IngesterOptions {
  kafka: KafkaConnection;
  topics: TopicNames;
  changelogTopic: string;
  groupId: string;
  transactionalIdPrefix: string;
  processor: UsageProcessorConfig;
  tickMs: number;
  sessionTimeoutMs: number;
  /** A partition with input waiting and no commit for this long is reported stalled by readiness. */
  stallAfterMs: number;
  /** A watermark move larger than this in one step is logged and counted. */
  watermarkJumpMs: number;
  /** Longest raw input value kept in a dead letter (bytes; longer values are cut, with length and SHA-256). */
  deadLetterMaxRawBytes: number;
  /** Wall clock (injected so tests and replays can control it). */
  now?: () => number;
  /** Kafka as the ingester uses it; default: platform's Kafka classes on `kafka` (tests pass fakes). */
  ports?: IngesterPorts;
  /** Local snapshots of the keyed state (INGESTER_STATE_DIR); none: restores read the whole changelog. */
  snapshots?: LocalSnapshots;
}

const tpKey = (topic: string, partition: number) => `${topic}/${partition}`;
/** Snapshot entries restored per event-loop turn (~50 ms at a million subscribers). */
const RESTORE_SLICE = 20_000;
/** Serialises all work on the processor: batches, ticks and rebalances never interleave. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  private running: { since: number; what: string } | null = null;
  constructor(private readonly now: () => number) {}
  run<T>(what: string, work: () => Promise<T>): Promise<T> {
    const timed = async () => {
      this.running = { since: this.now(), what };
      try {
        return await work();
      } finally {
        this.running = null;
      }
    };
    const result = this.tail.then(timed, timed);
    this.tail = result.catch(() => undefined);
    return result;
  }
  /** The work running now and since when, null when idle: a hung await shows here. */
  busy(): { since: number; what: string } | null {
    return this.running;
  }
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
  private readonly mutex: Mutex;
  private consumer: KafkaConsumerPort | undefined;
  private admin: KafkaOffsetsAdminPort | undefined;
  private readonly ports: IngesterPorts;
  /** One task per assigned input partition: everything kept per partition (revoke = drop it). */
  private tasks = new Map<number, PartitionTask>();
  private readonly logLimiter = new LogRateLimiter(30_000);
  private readonly now: () => number;
  private tick: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Wall clock of the last assignment (for the restore's log line). */
  private assignedAt = 0;
  state: 'starting' | 'running' | 'stopping' = 'starting';

  constructor(
    private readonly opts: IngesterOptions,
    private readonly store: RecordStorePort,
    private readonly metrics: IngesterMetrics,
    private readonly log: Logger,
  ) {
    this.processor = new UsageProcessor(opts.processor);
    this.now = opts.now ?? Date.now;
    this.ports = opts.ports ?? kafkaPorts(opts.kafka);
    this.mutex = new Mutex(this.now);
  }

  async start(): Promise<void> {
    await this.opts.snapshots?.prepare();
    this.admin = await this.ports.connectAdmin();
    this.consumer = await this.ports.connectConsumer({
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
      onPassed: (to) => this.inputOf(to.topic, to.partition)?.notePassed(to.offset),
      onAssignment: (tps) => this.mutex.run('a rebalance', () => this.onAssignment(tps.map((t) => t.partition))),
      eachBatch: (batch, ctx) => this.mutex.run(`a batch of ${batch.topic}/${batch.partition}`, () => this.onBatch(batch, ctx)),
    });
    this.tick = setInterval(() => void this.mutex.run('a tick', () => this.onTick()).catch((err: unknown) => this.log.error({ err }, 'tick failed')), this.opts.tickMs);
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
    return [...this.tasks.keys()].sort((a, b) => a - b);
  }

  /** The task's progress on `topic` (one of the two inputs) for partition p, if p is assigned. */
  private inputOf(topic: string, p: number): InputProgress | undefined {
    const task = this.tasks.get(p);
    if (!task) return undefined;
    return topic === this.opts.topics.agreements ? task.agreements : task.records;
  }

  private async onAssignment(partitions: number[]): Promise<void> {
    const next = new Set(partitions);
    const revoked = this.assignedPartitions().filter((p) => !next.has(p));
    if (revoked.length) {
      this.processor.revokePartitions(revoked);
      for (const p of revoked) {
        const task = this.tasks.get(p);
        this.tasks.delete(p);
        await task?.releaseProducer();
      }
    }
    const added = [...next].filter((p) => !this.tasks.has(p));
    for (const p of added) this.tasks.set(p, new PartitionTask(p, this.now(), this.opts.transactionalIdPrefix, (q, id) => this.ports.connectProducer(q, id)));
    this.processor.awaitPartitions(added);
    this.assignedAt = this.now();
    this.log.info({ partitions: this.assignedPartitions(), revoked }, 'partitions assigned');
  }

  /**
   * Rebuilds the state of assigned partitions that have none yet (local snapshots, then
   * the changelog). While nothing is restored yet, only `first` (the partition with
   * input in hand; else the lowest) is restored, so it can process again after its
   * own share of the restore (Kafka Streams activates each task once its own state is
   * restored); the next call restores all the others in one changelog read. Until every
   * assigned partition is restored the watermark does not move (UsageProcessor.awaitPartitions).
   */
  private async ensureRestored(first?: number): Promise<void> {
    const missing = [...this.tasks.values()].filter((t) => !t.restored);
    if (missing.length === 0) return;
    const nothingRestored = missing.length === this.tasks.size;
    const firstTask = nothingRestored ? (missing.find((t) => t.partition === first) ?? missing.reduce((a, b) => (b.partition < a.partition ? b : a))) : undefined;
    await this.restore(firstTask ? [firstTask] : missing);
    if (!this.restoring()) this.log.info({ partitions: this.assignedPartitions(), ms: this.now() - this.assignedAt }, 'every assigned partition restored');
  }

  /** Some assigned partition has no state yet. */
  private restoring(): boolean {
    for (const t of this.tasks.values()) if (!t.restored) return true;
    return false;
  }

  private async restore(missing: PartitionTask[]): Promise<void> {
    // Initialising each partition's transactional id first aborts a previous owner's
    // open transaction, so the changelog read below is final.
    const producers = await Promise.all(missing.map((t) => t.producer()));
    const partitions = missing.map((t) => t.partition);
    let problems = 0;
    const problem = (key: string, reason: string) => {
      // Logged with key and reason (the first few per restore), not only counted.
      if (++problems <= 10) this.log.warn({ key, reason }, `changelog entry ${JSON.stringify(key)} not restored: ${reason}`);
    };
    // Local snapshots first (trusted ones only, see local-snapshots.ts), then the changelog
    // from the offset each covers: its entries are newer.
    const since = this.now();
    const snapshots = await this.loadSnapshots(partitions, problem);
    const { records, next } = await this.ports.restoreChangelog(
      producers[0]!,
      this.opts.changelogTopic,
      (m) => {
        if (m.key === null) return;
        let value: unknown = null;
        if (m.value !== null) {
          try {
            value = parseExact(m.value.toString('utf8'));
          } catch (err) {
            problem(m.key, `not JSON: ${describeError(err)}`);
            return;
          }
        }
        const r = this.processor.restoreKey(m.key, value);
        if (!r.ok) problem(m.key, r.error.message);
      },
      { partitions, from: new Map([...snapshots].map(([p, s]) => [p, s.offset])) },
    );
    for (const p of partitions) this.opts.snapshots?.restored(p, next?.get(p), since, snapshots.get(p)?.offset);
    this.processor.assignPartitions(partitions);
    const committed = await this.admin!.committedOffsets(this.opts.groupId, this.opts.topics.incomingDataRecords);
    const committedAgreements = await this.admin!.committedOffsets(this.opts.groupId, this.opts.topics.agreements);
    const at = (list: typeof committed, p: number) => {
      const o = list.find((c) => c.partition === p)?.offset ?? -1n;
      return o < 0n ? 0n : o;
    };
    for (const t of missing) {
      t.records.restoredAt(at(committed, t.partition));
      t.agreements.restoredAt(at(committedAgreements, t.partition));
      t.restored = true;
    }
    const fromSnapshots = [...snapshots.values()].reduce((n, s) => n + s.entries, 0);
    this.log.info(
      { partitions, records, problems, fromSnapshots, snapshotPartitions: [...snapshots.keys()], changelogNext: Object.fromEntries([...(next ?? [])].map(([p, o]) => [p, o.toString()])), ms: this.now() - since },
      'state restored from the changelog',
    );
  }

  /** Trusted local snapshots of `partitions`, loaded into the processor: per partition, the offset each covers and its entries. */
  private async loadSnapshots(partitions: number[], problem: (key: string, reason: string) => void): Promise<Map<number, { offset: bigint; entries: number }>> {
    const out = new Map<number, { offset: bigint; entries: number }>();
    if (!this.opts.snapshots || !this.ports.changelogRetention) return out;
    const snapshots = await this.opts.snapshots.load(partitions, async () => {
      const r = await this.ports.changelogRetention!(this.opts.changelogTopic);
      return new Map([...r.partitions].map(([p, o]) => [p, { ...o, deleteRetentionMs: r.deleteRetentionMs }]));
    });
    for (const [p, s] of snapshots) {
      for (let i = 0; i < s.entries.length; i++) {
        // A slice at a time: health, metrics and queries (503 while restoring) stay answered.
        if (i > 0 && i % RESTORE_SLICE === 0) await new Promise((r) => setImmediate(r));
        const [key, value] = s.entries[i]!;
        const r = this.processor.restoreKey(key, value);
        if (!r.ok) problem(key, r.error.message);
      }
      out.set(p, { offset: s.offset, entries: s.entries.length });
      // The parsed file is garbage now: only the state built from it stays.
      snapshots.delete(p);
    }
    return out;
  }

  private async onBatch(input: MessageBatch, ctx: BatchContext): Promise<void> {
    if (this.stopping || input.messages.length === 0) return;
    await this.ensureRestored(input.partition);
    const p = input.partition;
    const task = this.tasks.get(p);
    if (!task) return;
    const isAgreements = input.topic === this.opts.topics.agreements;
    const progress = isAgreements ? task.agreements : task.records;
    // A batch fetched before a seek may be delivered again: never count an offset twice.
    const position = progress.next;
    let batch = position === undefined ? input : { ...input, messages: input.messages.filter((m) => m.offset >= position) };
    if (batch.messages.length === 0) return;
    // Uncommitted input in hand: the partition has work waiting until it commits.
    this.setLagging(p, true);
    const first = batch.messages[0]!;
    if (progress.backoffUntil !== undefined) {
      // Fetched before the pause took effect: read it again when the backoff ends.
      this.consumer?.seek({ topic: batch.topic, partition: p, offset: first.offset });
      return;
    }
    // Looking for the message that fails deterministically: one message per transaction.
    const isolateTo = progress.isolateUntil;
    const isolating = isolateTo !== undefined && first.offset <= isolateTo;
    if (isolateTo !== undefined && !isolating) progress.isolateUntil = undefined;
    if (isolating && batch.messages.length > 1) batch = { ...batch, messages: [first] };
    // Both end-offset look-ups in parallel: one round trip of waiting per batch, not two.
    const [readToEnd, recordEnds] = await Promise.all([
      isAgreements ? true : this.agreementsReadToEnd(p),
      this.admin!.endOffsets(this.opts.topics.incomingDataRecords),
    ]);
    if (!readToEnd) {
      // Backfill: read the partition's agreements first, or its records would be held,
      // and expire, while agreements that already exist are still unread.
      this.consumer?.seek({ topic: batch.topic, partition: p, offset: first.offset });
      this.consumer?.pause([{ topic: batch.topic, partition: p }]);
      task.waitingForAgreementsSince ??= this.now();
      this.log.debug({ partition: p }, 'records paused until the agreements are read');
      return;
    }
    // Fresh end offsets before the watermark moves: a partition that looked empty at the
    // last tick may have records on their way by now.
    this.applyCaughtUp(recordEnds);
    const wall = this.now();
    const watermarkBefore = this.processor.currentWatermark();
    let decoded: { outputs: UsageOutput[]; deadLetters: OutgoingMessage[] };
    try {
      decoded = await this.process(batch, isAgreements, wall, () => ctx.heartbeat());
    } catch (err) {
      // Our own code threw on this input: what it changed in memory, for any partition,
      // is discarded and rebuilt from the changelog before anything else happens.
      this.discardState(this.assignedPartitions());
      await this.onDeterministicFailure(batch, err, 'processing-failed');
      return;
    }
    const { outputs, deadLetters } = decoded;
    this.metrics.messagesIn.inc({ topic: isAgreements ? 'agreements' : 'incoming-data-records' }, batch.messages.length);
    const last = batch.messages[batch.messages.length - 1]!.offset;
    const next = last + 1n;
    progress.next = next;
    // The whole fetch processed: what follows its last message in it (a transaction's
    // marker, aborted messages) is passed too — resolving the last message skips it.
    const wholeFetch = batch.messages.length === input.messages.length;
    if (wholeFetch && input.fetchedThrough > next) progress.notePassed(input.fetchedThrough);
    if (!isAgreements) this.processor.setCaughtUp(p, progress.readThrough(batch.highWatermark));
    outputs.push(...this.processor.advance(wall));
    this.noteWatermarkMove(watermarkBefore, p);
    const result = await this.commit(outputs, deadLetters, { partition: p, topic: batch.topic, offset: next }, () => ctx.heartbeat());
    this.log.debug({ topic: batch.topic, partition: p, messages: batch.messages.length, outputs: outputs.length, ms: this.now() - wall, watermark: this.processor.currentWatermark() }, 'batch');
    if (result.ok) {
      ctx.resolveOffset(last);
      // Only part of the fetched batch was processed: fetch the rest from here.
      if (batch.messages.length < input.messages.length) this.consumer?.seek({ topic: batch.topic, partition: p, offset: next });
      this.onProgress(batch.topic, p);
      if (isAgreements && task.waitingForAgreementsSince !== undefined) await this.resumeRecordsIfReady([p]);
      return;
    }
    const kind = failureKind(result.error);
    if (kind === 'deterministic') {
      await this.onDeterministicFailure(batch, result.error, 'transaction-failed', result.stored);
      return;
    }
    // Nothing of this batch was committed: fetch it again after the state was rebuilt.
    this.consumer?.seek({ topic: batch.topic, partition: p, offset: first.offset });
    if (kind === 'transient') this.backOff(batch.topic, p, result.error);
  }

  /**
   * Decodes the batch, looks up in Cassandra the stored copies the processor will need
   * (records that may be second copies, see @mobilecs/windowing copies.ts), then runs the
   * processor. Should it still meet a record it has no look-up for, its state is rebuilt
   * and the batch run again with that look-up too.
   */
  private async process(batch: MessageBatch, isAgreements: boolean, wall: number, keepAlive: () => Promise<void>): Promise<{ outputs: UsageOutput[]; deadLetters: OutgoingMessage[] }> {
    const { inputs, deadLetters } = this.decode(batch, isAgreements);
    const values = inputs.map((i) => i.value);
    const keys: CopyKeyFields[] = this.processor.storedCopiesToLookUp(isAgreements ? { agreements: values as Agreement[] } : { records: values as ImportedRecord[] });
    for (let attempt = 0; ; attempt++) {
      if (keys.length > 0) {
        this.processor.provideStoredCopies(await this.store.storedCopies(keys, keepAlive));
        this.metrics.copyLookups.inc(keys.length);
      }
      try {
        const outputs: UsageOutput[] = [];
        for (const { value, offset } of inputs) {
          if (isAgreements) outputs.push(...this.processor.onAgreement(value as Agreement, batch.partition));
          else outputs.push(...this.processor.onRecord(value as ImportedRecord, batch.partition, wall, offset));
        }
        return { outputs, deadLetters };
      } catch (err) {
        if (!(err instanceof StoredCopyLookupMissing) || attempt >= 2) throw err;
        this.log.warn({ partition: batch.partition, missing: err.keys.length }, `${err.message}: rebuilding state and processing the batch again with it`);
        this.discardState(this.assignedPartitions());
        await this.ensureRestored(batch.partition);
        keys.push(...err.keys);
      }
    }
  }

  /** Valid inputs of the batch; every other message becomes a dead letter. */
  private decode(batch: MessageBatch, isAgreements: boolean): { inputs: { value: Agreement | ImportedRecord; offset: string }[]; deadLetters: OutgoingMessage[] } {
    const p = batch.partition;
    const inputs: { value: Agreement | ImportedRecord; offset: string }[] = [];
    const deadLetters: OutgoingMessage[] = [];
    for (const m of batch.messages) {
      const decoded = isAgreements ? agreementCodec.decode(m.value ?? '') : importedRecordCodec.decode(m.value ?? '');
      if (!decoded.ok) {
        deadLetters.push(this.deadLetter(batch.topic, p, m, decoded.error.reason, decoded.error.message));
        continue;
      }
      // Co-partitioning relies on the key: a subscriber's agreements and records meet on
      // one partition only if both are keyed by the msisdn.
      if (m.key !== decoded.value.msisdn) {
        const what = isAgreements ? 'agreement' : 'data record';
        deadLetters.push(
          this.deadLetter(batch.topic, p, m, 'key-mismatch', `${what} for msisdn ${decoded.value.msisdn} has Kafka key ${m.key === null ? 'null' : JSON.stringify(boundRaw(m.key, 64).raw)}: it must be keyed by its msisdn`),
        );
        continue;
      }
      // The windowing library keeps offsets as decimal text (they travel in its changelog JSON).
      inputs.push({ value: decoded.value, offset: m.offset.toString() });
    }
    return { inputs, deadLetters };
  }

  /**
   * A batch that fails the same way whatever the retry. With more than one message, the
   * batch is retried one message per transaction to find the culprit; a single message
   * that fails alone is set aside in a dead letter (its effects discarded with the
   * state, which comes back from the changelog) and the partition moves on.
   */
  private async onDeterministicFailure(batch: MessageBatch, error: unknown, reason: 'processing-failed' | 'transaction-failed', stored: readonly CopyKeyFields[] = []): Promise<void> {
    const p = batch.partition;
    const tp = tpKey(batch.topic, p);
    const first = batch.messages[0]!;
    this.discardState([p]);
    const task = this.tasks.get(p);
    if (!task) return;
    const progress = batch.topic === this.opts.topics.agreements ? task.agreements : task.records;
    if (batch.messages.length > 1) {
      const last = batch.messages[batch.messages.length - 1]!.offset;
      progress.isolateUntil = last;
      this.log.warn({ topic: batch.topic, partition: p, from: first.offset, to: last, error: describeError(error) }, `${tp}: a batch failed deterministically (${describeError(error)}); retrying offsets ${first.offset}–${last} one message per transaction to isolate the cause`);
      this.consumer?.seek({ topic: batch.topic, partition: p, offset: first.offset });
      return;
    }
    const next = first.offset + 1n;
    try {
      // Rows the failed attempt wrote are not counted by any window: remove them first.
      await this.store.deleteAll(stored);
      await this.ensureRestored(p);
      const letter = this.deadLetter(batch.topic, p, first, reason, `${reason === 'processing-failed' ? 'processing' : 'committing the results of'} this message failed and would fail again: ${describeError(error)}`);
      const producer = await task.producer();
      await producer.inTransaction(async (tx) => {
        await tx.send([letter]);
        await tx.sendOffsets(this.opts.groupId, [{ topic: batch.topic, partition: p, offset: next }]);
      });
    } catch (err) {
      this.discardState([p]);
      this.consumer?.seek({ topic: batch.topic, partition: p, offset: first.offset });
      this.backOff(batch.topic, p, err);
      return;
    }
    progress.next = next;
    this.consumer?.seek({ topic: batch.topic, partition: p, offset: next });
    this.onProgress(batch.topic, p);
  }

  private restoredPartitions(): number[] {
    return [...this.tasks.values()].filter((t) => t.restored).map((t) => t.partition);
  }

  /** Drops the in-memory state of partitions; the next batch or tick rebuilds it from the changelog. */
  private discardState(partitions: number[]): void {
    this.processor.revokePartitions(partitions);
    this.processor.awaitPartitions(partitions);
    for (const p of partitions) {
      const task = this.tasks.get(p);
      if (task) task.restored = false;
    }
  }

  private onProgress(topic: string, p: number): void {
    const task = this.tasks.get(p);
    if (task) {
      task.health.progressAt = this.now();
      task.health.failures = 0;
      delete task.health.lastError;
      (topic === this.opts.topics.agreements ? task.agreements : task.records).backoffUntil = undefined;
    }
    this.logLimiter.reset(tpKey(topic, p));
  }

  /** Pauses a topic-partition after a transient failure; the tick resumes it when the backoff ends. */
  private backOff(topic: string, p: number, error: unknown): void {
    const tp = tpKey(topic, p);
    const now = this.now();
    const task = this.tasks.get(p);
    const failures = task ? ++task.health.failures : 1;
    if (task) task.health.lastError = { message: describeError(error), at: now };
    const delay = retryDelayMs(failures);
    const progress = this.inputOf(topic, p);
    if (progress) progress.backoffUntil = now + delay;
    this.consumer?.pause([{ topic, partition: p }]);
    const d = this.logLimiter.occur(tp, now);
    if (d.log) {
      this.log.error(
        { ...(d.suppressed === 0 ? { err: error } : { error: describeError(error) }), topic, partition: p, failures, retryInMs: delay, suppressedSinceLastLog: d.suppressed },
        `${tp}: processing failed (${describeError(error)}); attempt ${failures}, retrying in ${delay} ms`,
      );
    }
  }

  private resumeAfterBackoff(): void {
    const now = this.now();
    for (const task of this.tasks.values()) {
      for (const [topic, progress] of [
        [this.opts.topics.agreements, task.agreements],
        [this.opts.topics.incomingDataRecords, task.records],
      ] as const) {
        if (progress.backoffUntil === undefined || progress.backoffUntil > now) continue;
        progress.backoffUntil = undefined;
        // Records waiting for their agreements stay paused until those are read.
        if (progress === task.records && task.waitingForAgreementsSince !== undefined) continue;
        this.consumer?.resume([{ topic, partition: task.partition }]);
      }
    }
  }

  /** `partition`: the batch's input partition, or null for a tick (idleness moved it). */
  private noteWatermarkMove(before: number | null, partition: number | null): void {
    const after = this.processor.currentWatermark();
    if (before === null || after === null || after - before <= this.opts.watermarkJumpMs) return;
    this.metrics.watermarkJumps.inc();
    this.log.warn(
      { partition, from: new Date(before).toISOString(), to: new Date(after).toISOString(), jumpMs: after - before },
      `event-time watermark jumped ${((after - before) / 86_400_000).toFixed(1)} days in one step (${partition === null ? 'a tick: idle partitions' : `a batch of partition ${partition}`}): from ${new Date(before).toISOString()} to ${new Date(after).toISOString()}`,
    );
  }

  /**
   * Partitions with input waiting that have not committed for stallAfterMs, and work on
   * the processor that has been running that long: what readiness reports.
   */
  stalls(): { partition: number | null; stalledForMs: number; lastError: string | null; busyWith?: string }[] {
    const now = this.now();
    const out: { partition: number | null; stalledForMs: number; lastError: string | null; busyWith?: string }[] = [];
    const busy = this.mutex.busy();
    if (busy !== null && now - busy.since > this.opts.stallAfterMs) out.push({ partition: null, stalledForMs: now - busy.since, lastError: null, busyWith: busy.what });
    for (const p of this.assignedPartitions()) {
      const h = this.tasks.get(p)!.health;
      if (h.lagging && now - h.progressAt > this.opts.stallAfterMs) out.push({ partition: p, stalledForMs: now - h.progressAt, lastError: h.lastError?.message ?? null });
    }
    this.metrics.partitionsStalled.set(out.filter((s) => s.partition !== null).length);
    return out;
  }

  private setLagging(p: number, lagging: boolean): void {
    const h = this.tasks.get(p)?.health;
    if (!h) return;
    // Nothing to do is not a stall: the clock of a quiet partition restarts at each look.
    if (!lagging) h.progressAt = this.now();
    h.lagging = lagging;
  }

  /** Whether partition p of `agreements` has been read to its end (backfill: agreements before records). */
  private async agreementsReadToEnd(p: number): Promise<boolean> {
    const ends = await this.admin!.endOffsets(this.opts.topics.agreements);
    const task = this.tasks.get(p);
    return task !== undefined && task.agreements.readThrough(ends.find((e) => e.partition === p)?.offset ?? 0n);
  }

  private async resumeRecordsIfReady(partitions: number[]): Promise<void> {
    for (const p of partitions) {
      const task = this.tasks.get(p);
      if (!task || task.records.backoffUntil !== undefined || !(await this.agreementsReadToEnd(p))) continue;
      task.waitingForAgreementsSince = undefined;
      this.consumer?.resume([{ topic: this.opts.topics.incomingDataRecords, partition: p }]);
      this.log.debug({ partition: p }, 'records resumed');
    }
  }

  /** Caught up = read through the end offset (see readThrough). */
  private async refreshCaughtUp(): Promise<void> {
    const [records, agreements] = await Promise.all([
      this.admin!.endOffsets(this.opts.topics.incomingDataRecords),
      this.admin!.endOffsets(this.opts.topics.agreements),
    ]);
    // Lag for readiness: records or agreements not yet committed.
    for (const [p, task] of this.tasks) {
      const recordEnd = records.find((e) => e.partition === p)?.offset ?? 0n;
      const agreementEnd = agreements.find((e) => e.partition === p)?.offset ?? 0n;
      this.setLagging(p, !task.records.readThrough(recordEnd) || !task.agreements.readThrough(agreementEnd));
    }
    this.applyCaughtUp(records);
    this.stalls();
  }

  private applyCaughtUp(ends: TopicPartitionOffset[]): void {
    for (const e of ends) {
      const task = this.tasks.get(e.partition);
      if (!task) continue;
      const caughtUp = task.records.readThrough(e.offset);
      this.processor.setCaughtUp(e.partition, caughtUp);
      if (!caughtUp) this.setLagging(e.partition, true);
    }
  }

  /** Idleness, caught-up status of empty partitions, and the wall-clock close policy. */
  private async onTick(): Promise<void> {
    if (this.stopping || this.tasks.size === 0 || !this.admin) return;
    await this.ensureRestored();
    this.resumeAfterBackoff();
    await this.resumeRecordsIfReady([...this.tasks.values()].filter((t) => t.waitingForAgreementsSince !== undefined).map((t) => t.partition));
    await this.refreshCaughtUp();
    const wall = this.now();
    const watermarkBefore = this.processor.currentWatermark();
    const outputs = this.processor.advance(wall);
    this.noteWatermarkMove(watermarkBefore, null);
    await this.commit(outputs, [], undefined, async () => undefined);
    const wm = this.processor.currentWatermark();
    if (wm !== null) this.metrics.watermarkLagSeconds.set((wall - wm) / 1000);
    this.metrics.windowsOpen.set(this.processor.windowCount());
    this.metrics.msisdnsHolding.set(this.processor.holdingCount());
  }

  /**
   * Stores the data records, then commits per partition: outputs + state changes (+ the
   * input offsets for the batch's partition). Returns the error if the batch partition's
   * transaction failed; any partition whose transaction failed has its state rebuilt.
   */
  private async commit(
    outputs: UsageOutput[],
    deadLetters: OutgoingMessage[],
    input: { partition: number; topic: string; offset: bigint } | undefined,
    keepAlive: () => Promise<void>,
  ): Promise<{ ok: true } | { ok: false; error: unknown; stored: DataRecord[] }> {
    const changes = this.processor.drainChanges();
    let routed: RoutedOutputs;
    try {
      routed = routeOutputs({ topics: this.opts.topics, changelogTopic: this.opts.changelogTopic, rejectedAt: new Date(this.now()) }, outputs, deadLetters, changes, input?.partition);
    } catch (error) {
      // A value our own code cannot encode: the changes just drained are lost, so every
      // partition's state is rebuilt from the changelog before the input is retried.
      this.discardState(this.assignedPartitions());
      this.log.error({ error: describeError(error) }, `outputs could not be encoded: ${describeError(error)}`);
      return { ok: false, error, stored: [] };
    }
    this.count(routed.counts);
    const { rows: records, byPartition } = routed;
    // Records are stored before the transaction that commits their offsets: a crash in
    // between replays them, and the upsert makes the replay harmless.
    await this.store.writeAll(records, keepAlive);

    let result: { ok: true } | { ok: false; error: unknown; stored: DataRecord[] } = { ok: true };
    for (const [p, messages] of byPartition) {
      const task = this.tasks.get(p);
      const end = this.metrics.transactionSeconds.startTimer();
      const since = this.now();
      try {
        if (!task) throw new Error(`partition ${p} is not assigned to this instance`);
        const producer = await task.producer();
        const written = await producer.inTransaction(async (tx) => {
          await tx.send(messages);
          if (input && input.partition === p) await tx.sendOffsets(this.opts.groupId, [{ topic: input.topic, partition: p, offset: input.offset }]);
          return tx.written?.() ?? [];
        });
        end();
        // The changelog offset the state of p now covers (for its local snapshot).
        const changelog = messages.filter((m) => m.topic === this.opts.changelogTopic).length;
        this.opts.snapshots?.committed(p, changelog, written.find((w) => w.topic === this.opts.changelogTopic && w.partition === p)?.offset, since);
      } catch (err) {
        if (input?.partition === p) result = { ok: false, error: err, stored: records.map((r) => r.record) };
        if (task) task.health.lastError = { message: describeError(err), at: this.now() };
        const d = this.logLimiter.occur(`transaction/${p}`, this.now());
        if (d.log) {
          this.log.error(
            { ...(d.suppressed === 0 ? { err } : { error: describeError(err) }), partition: p, fenced: err instanceof ProducerFencedError, suppressedSinceLastLog: d.suppressed },
            `transaction for partition ${p} failed (${describeError(err)}): rebuilding its state from the changelog`,
          );
        }
        this.discardState([p]);
        await task?.releaseProducer();
      }
    }
    if (result.ok && input) this.logLimiter.reset(`transaction/${input.partition}`);
    this.opts.snapshots?.afterCommit(this.processor, this.restoredPartitions());
    return result;
  }

  /** Metrics of one routed unit of work. */
  private count(c: RoutedOutputs['counts']): void {
    if (c.matched) this.metrics.recordsMatched.inc(c.matched);
    if (c.late) this.metrics.recordsLate.inc(c.late);
    if (c.duplicates) this.metrics.duplicates.inc(c.duplicates);
    for (const [type, n] of Object.entries(c.aggregates)) this.metrics.aggregates.inc({ type }, n);
    for (const [reason, n] of Object.entries(c.deadLetters)) this.metrics.deadLetters.inc({ reason }, n);
  }

  /**
   * A dead letter for an input message: where it was, why, and the value — cut to
   * deadLetterMaxRawBytes with its full length and SHA-256, so that the dead letter
   * always fits the topic whatever the input.
   */
  private deadLetter(topic: string, partition: number, m: { offset: bigint; key: string | null; value: Buffer | null }, reason: string, message: string): OutgoingMessage {
    this.metrics.deadLetters.inc({ reason });
    const text = boundRaw(message, 4096).raw;
    this.log.warn({ topic, partition, offset: m.offset, reason }, `${topic}/${partition}@${m.offset}: ${text}`);
    const raw = boundRaw(m.value, this.opts.deadLetterMaxRawBytes);
    const letter: DeadLetter & Record<string, unknown> = {
      source: { topic, partition, offset: m.offset.toString() },
      reason,
      message: text,
      key: m.key === null ? null : boundRaw(m.key, 1024).raw,
      raw: m.value === null ? null : raw.raw,
      rawBytes: raw.rawBytes,
      rawSha256: raw.rawSha256,
      ...(raw.truncated ? { truncated: true } : {}),
      rejectedAt: new Date(this.now()).toISOString(),
    };
    return { topic: this.opts.topics.deadLetters, key: topic, value: deadLetterCodec.encode(letter) };
  }

  /** Finishes the batch in progress (its transaction commits), then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.state = 'stopping';
    if (this.tick) clearInterval(this.tick);
    await this.mutex.run('stopping', async () => {
      await this.opts.snapshots?.flush(this.processor, this.restoredPartitions()).catch((err: unknown) => this.log.error({ err }, 'local snapshots not written at stop'));
    });
    await this.consumer?.disconnect().catch(() => undefined);
    await Promise.all([...this.tasks.values()].map((t) => t.releaseProducer()));
    await this.admin?.disconnect().catch(() => undefined);
  }

  // ---- live queries (usage-queries.ts) ----------------------------------------------------

  /** Assigned partitions, and those whose state is not restored from the changelog yet (answers would miss it). */
  queryStatus(): { partitions: number[]; restoring: number[] } {
    return { partitions: this.assignedPartitions(), restoring: [...this.tasks.values()].filter((t) => !t.restored).map((t) => t.partition).sort((a, b) => a - b) };
  }

  agreementsWithNewestWindow() {
    return this.processor.agreementsWithNewestWindow();
  }

  agreementById(agreementId: string) {
    return this.processor.agreementById(agreementId);
  }
}

