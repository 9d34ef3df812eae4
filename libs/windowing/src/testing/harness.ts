// A test harness in the spirit of Flink's operator test harness: drive a UsageProcessor
// with agreements, records (per partition), wall-clock and watermark moves, and read
// back everything it emitted, without Kafka or Cassandra.
import {
  parseDataRecordLine,
  parseExact,
  stringifyExact,
  toImportedRecord,
  type Aggregate,
  type Agreement,
  type DataRecord,
  type ImportedRecord,
} from '@mobilecs/domain';
import { copyKey, type DuplicateOutput, type StoredCopy } from '../copies';
import type { DeadLetterOutput } from '../matcher';
import { UsageProcessor, type LateOutput, type StateChange, type UsageOutput, type UsageProcessorConfig } from '../processor';
import type { AggregateOutput } from '../window';
import { testProcessorConfig } from './processor-config';

export class UsageHarness {
  processor: UsageProcessor;
  /** Current wall time passed to the processor. */
  wallTimeMs: number;
  /** Everything emitted so far, in order. */
  readonly outputs: UsageOutput[] = [];
  /** Every changelog entry drained so far (after each call), in order. */
  readonly changelog: StateChange[] = [];
  /**
   * The data_record table as the ingester keeps it, by copyKey: each stored row with the
   * arrival that wrote it. Look-ups the processor asks for are answered from here.
   */
  readonly store = new Map<string, StoredCopy>();
  /** Next input offset per partition, given to records fed without one. */
  private readonly nextOffset = new Map<number, bigint>();

  /** The processor's options: testProcessorConfig with the given overrides. */
  readonly config: UsageProcessorConfig;

  constructor(config: Partial<UsageProcessorConfig> = {}, options: { partitions?: readonly number[]; wallTimeMs?: number } = {}) {
    this.config = testProcessorConfig(config);
    this.processor = new UsageProcessor(this.config);
    this.processor.assignPartitions(options.partitions ?? [0]);
    this.wallTimeMs = options.wallTimeMs ?? 0;
  }

  private emit(out: UsageOutput[]): UsageOutput[] {
    this.outputs.push(...out);
    for (const o of out) {
      if (o.kind !== 'data-record') continue;
      // As Cassandra's upsert with unset columns: a row written without an arrival keeps the one it had.
      const key = copyKey(o.record);
      if (o.arrival) this.store.set(key, o.arrival);
      else if (!this.store.has(key)) this.store.set(key, { partition: null, offset: null });
    }
    this.changelog.push(...this.processor.drainChanges());
    return out;
  }

  /** Answers the store look-ups the processor will need for this input, as the ingester does. */
  private lookUp(input: Parameters<UsageProcessor['storedCopiesToLookUp']>[0]): void {
    const keys = this.processor.storedCopiesToLookUp(input);
    this.processor.provideStoredCopies(new Map(keys.map((k) => [copyKey(k), this.store.get(copyKey(k)) ?? null])));
  }

  agreement(agreement: Agreement, partition = 0): UsageOutput[] {
    this.lookUp({ agreements: [agreement] });
    return this.emit(this.processor.onAgreement(agreement, partition));
  }

  /** Feeds a record that arrived at `offset` of its input partition (default: the partition's next offset). */
  record(record: ImportedRecord, partition = 0, offset?: bigint): UsageOutput[] {
    const at = offset ?? this.nextOffset.get(partition) ?? 0n;
    if (at >= (this.nextOffset.get(partition) ?? 0n)) this.nextOffset.set(partition, at + 1n);
    this.lookUp({ records: [record] });
    return this.emit(this.processor.onRecord(record, partition, this.wallTimeMs, at.toString()));
  }

  /** Parses a data-record file line (must be valid) and feeds it as a record. */
  line(text: string, partition = 0): UsageOutput[] {
    const parsed = parseDataRecordLine(text);
    if (!parsed.ok) throw parsed.error;
    return this.record(toImportedRecord(parsed.value), partition);
  }

  setCaughtUp(partition: number, caughtUp = true): void {
    this.processor.setCaughtUp(partition, caughtUp);
  }

  /** Moves the wall clock forward by `ms` and lets the processor fire what is due. */
  advanceWallClock(ms: number): UsageOutput[] {
    this.wallTimeMs += ms;
    return this.emit(this.processor.advance(this.wallTimeMs));
  }

  advanceWatermarkTo(watermarkMs: number): UsageOutput[] {
    return this.emit(this.processor.advanceWatermarkTo(watermarkMs));
  }

  /** Simulates a restart: rebuilds the processor from an exact JSON round trip of its snapshot (as the ingester writes and reads it). */
  restartFromSnapshot(): void {
    const json: unknown = parseExact(stringifyExact(this.processor.snapshot()));
    const restored = UsageProcessor.restore(this.config, json);
    if (!restored.ok) throw restored.error;
    const partitions = this.processor.assignedPartitions();
    this.processor = restored.value;
    this.processor.assignPartitions(partitions);
  }

  /** Simulates a restart that replays the drained changelog (last value per key wins). */
  restartFromChangelog(): void {
    const latest = new Map<string, unknown>();
    for (const c of this.changelog) latest.set(c.key, c.value === null ? null : parseExact(stringifyExact(c.value)));
    const partitions = this.processor.assignedPartitions();
    this.processor = new UsageProcessor(this.config);
    this.processor.assignPartitions(partitions);
    for (const [key, value] of latest) {
      const r = this.processor.restoreKey(key, value);
      if (!r.ok) throw r.error;
    }
  }

  /**
   * Simulates a crash of the ingester after uncommitted work: state and outputs go back to
   * what was committed when the changelog had `changelogLength` entries and the outputs
   * `outputsLength`, while the store keeps every row written since (Cassandra writes come
   * before the commit). The caller then feeds the lost input again, at the same offsets.
   */
  crashBackTo(changelogLength: number, outputsLength: number): void {
    this.changelog.length = changelogLength;
    this.outputs.length = outputsLength;
    this.restartFromChangelog();
  }

  dataRecords(): DataRecord[] {
    return this.outputs.flatMap((o) => (o.kind === 'data-record' ? [o.record] : []));
  }

  aggregateOutputs(): AggregateOutput[] {
    return this.outputs.filter((o): o is AggregateOutput => o.kind === 'aggregate');
  }

  aggregates(): Aggregate[] {
    return this.aggregateOutputs().map((o) => o.aggregate);
  }

  late(): LateOutput[] {
    return this.outputs.filter((o): o is LateOutput => o.kind === 'late');
  }

  duplicates(): DuplicateOutput[] {
    return this.outputs.filter((o): o is DuplicateOutput => o.kind === 'duplicate');
  }

  deadLetters(): DeadLetterOutput[] {
    return this.outputs.filter((o): o is DeadLetterOutput => o.kind === 'dead-letter');
  }
}
