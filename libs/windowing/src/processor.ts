// UsageProcessor: matching + billing-period windows + watermark, the ingester's whole
// keyed state. Each call returns its outputs in a deterministic order:
//   data-record → (late | DATA_PLAN_EXCEEDED) per matched record, in arrival order; then
//   after a watermark move: BILLING_PERIOD_CLOSED by (period end, key), expired held
//   records by (msisdn, arrival); then wall-clock closes by (period end, key).
// State is keyed and every key belongs to one input partition, so an instance keeps only
// its assigned partitions and writes each changed key to that partition of a changelog.
import type { Agreement, DataRecord, ImportedRecord } from '@mobilecs/domain';
import { checkNotInFuture, err, ok, type Result } from '@mobilecs/domain';
import { BillingPeriod } from './billing-period';
import {
  copyKey,
  StoredCopyLookupMissing,
  type CopyKeyFields,
  type DuplicateOutput,
  type RecordArrival,
  type StoredCopies,
  type StoredCopy,
} from './copies';
import { AgreementMatcher, type DeadLetterOutput, type HoldLimits, type Match, type MatchingState } from './matcher';
import {
  issuesOf,
  matchingFromValue,
  matchingToValue,
  partitionKey,
  processorSnapshotSchema,
  SnapshotError,
  stateValueSchema,
  windowFromValue,
  windowToValue,
  type ProcessorSnapshot,
  type StateValue,
} from './snapshot';
import { WatermarkTracker } from './watermark';
import { BillingWindow, windowKey, type AggregateOutput, type WindowState } from './window';

export interface DataRecordOutput {
  readonly kind: 'data-record';
  readonly partition: number;
  /** The agreement id. */
  readonly key: string;
  /** recordedAt. */
  readonly timestampMs: number;
  /** To store (late records are stored too). */
  readonly record: DataRecord;
  /** Where this copy arrived (stored with the row, so a later copy can be told from a replay); absent when not given. */
  readonly arrival?: RecordArrival;
}

export interface LateOutput {
  readonly kind: 'late';
  readonly partition: number;
  /** Kafka key on data-records-late: the agreement id. */
  readonly key: string;
  readonly timestampMs: number;
  readonly record: DataRecord;
  readonly message: string;
  readonly arrival?: RecordArrival;
}

export type UsageOutput = DataRecordOutput | AggregateOutput | LateOutput | DeadLetterOutput | DuplicateOutput;

export interface WallClockClosePolicy {
  /** Close once the wall clock is this far past the period end … */
  readonly graceMs: number;
  /** … and the window's partition has been caught up and quiet this long. */
  readonly idleMs: number;
}

/** The processor's options. No defaults here: the ingester's configuration has them (tests: testProcessorConfig). */
export interface UsageProcessorConfig {
  /** Out-of-orderness bound of the watermark. */
  readonly outOfOrdernessMs: number;
  /** Wall time after which a caught-up partition without records is idle. */
  readonly idleTimeoutMs: number;
  /** Keeps windows open this much longer in event time. */
  readonly allowedLatenessMs: number;
  /** Unmatched records held per msisdn. */
  readonly maxHeldRecordsPerMsisdn: number;
  /** Event-time age after which an unmatched record goes to dead letters. */
  readonly maxHoldMs: number;
  /** Optional wall-clock close (off by default, like the original). */
  readonly wallClockClose?: WallClockClosePolicy;
  /**
   * Records stamped later than wall time + this go to dead letters and the watermark is
   * bounded by it. Unset: no check (pure tests run a fake clock from 0).
   */
  readonly futureToleranceMs?: number;
}

export interface StateChange {
  readonly key: string;
  /** The input (and changelog) partition the key belongs to. */
  readonly partition: number;
  /** New value, or null when the key was deleted (write a tombstone). */
  readonly value: StateValue | null;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class UsageProcessor {
  readonly allowedLatenessMs: number;
  readonly limits: HoldLimits;
  readonly wallClockClose: WallClockClosePolicy | undefined;
  readonly futureToleranceMs: number | undefined;
  private readonly tracker: WatermarkTracker;
  private readonly matching = new Map<string, MatchingState>();
  private readonly windows = new Map<string, WindowState>();
  /** Window keys by period end, so closing does not scan every window. */
  private readonly windowsByEnd = new Map<number, Set<string>>();
  /** Msisdns that have held records (expiry scans only these). */
  private readonly holding = new Set<string>();
  /** Keys changed since the last drain → owning partition. */
  private readonly changed = new Map<string, number>();
  /** Store look-ups provided for the unit of work in progress (until the next drain), by copyKey. */
  private readonly storedCopies = new Map<string, StoredCopy | null>();
  /** Records counted in the unit of work in progress, not yet in the store: by copyKey. */
  private readonly countedNow = new Map<string, StoredCopy>();

  constructor(config: UsageProcessorConfig) {
    this.tracker = new WatermarkTracker({
      outOfOrdernessMs: config.outOfOrdernessMs,
      idleTimeoutMs: config.idleTimeoutMs,
      ...(config.futureToleranceMs !== undefined ? { futureToleranceMs: config.futureToleranceMs } : {}),
    });
    this.futureToleranceMs = config.futureToleranceMs;
    this.allowedLatenessMs = config.allowedLatenessMs;
    this.limits = { maxHeldRecords: config.maxHeldRecordsPerMsisdn, maxHoldMs: config.maxHoldMs };
    this.wallClockClose = config.wallClockClose;
  }

  // ---- partitions and watermark -------------------------------------------------------

  assignPartitions(partitions: readonly number[]): void {
    for (const p of partitions) {
      this.tracker.assign(p);
      this.tracker.release(p);
    }
  }

  /**
   * Partitions owned whose state is still to be restored (restoreKey, then
   * assignPartitions): until then no watermark moves, so the partitions already
   * processing cannot close windows the others' progress would keep open.
   */
  awaitPartitions(partitions: readonly number[]): void {
    for (const p of partitions) this.tracker.hold(p);
  }

  /** Drops all state of the partitions (their changelog keeps it). Drain changes first. */
  revokePartitions(partitions: readonly number[]): void {
    const gone = new Set(partitions);
    for (const [msisdn, s] of this.matching) if (gone.has(s.partition)) this.setMatching(msisdn, null);
    for (const [key, w] of this.windows) if (gone.has(w.partition)) this.setWindow(key, null);
    for (const p of partitions) this.tracker.revoke(p);
    for (const [key, p] of this.changed) if (gone.has(p)) this.changed.delete(key);
    // The unit of work in progress is abandoned: what it counted is not in the store.
    this.storedCopies.clear();
    this.countedNow.clear();
  }

  assignedPartitions(): number[] {
    return this.tracker.partitions();
  }

  /** Tell whether the consumer has reached the end of a partition (needed for idleness). */
  setCaughtUp(partition: number, caughtUp: boolean): void {
    this.tracker.setCaughtUp(partition, caughtUp);
  }

  isIdle(partition: number, wallTimeMs: number): boolean {
    return this.tracker.isIdle(partition, wallTimeMs);
  }

  /** The processor watermark (null before the first). */
  currentWatermark(): number | null {
    return this.tracker.current();
  }

  // ---- inputs -------------------------------------------------------------------------

  onAgreement(agreement: Agreement, partition: number): UsageOutput[] {
    this.tracker.assign(partition);
    const state = this.matching.get(agreement.msisdn) ?? AgreementMatcher.empty(agreement.msisdn, partition);
    const { state: next, released } = AgreementMatcher.addAgreement(state, agreement);
    this.setMatching(agreement.msisdn, next);
    return released.flatMap((m) => this.count(m, next.partition));
  }

  /** `offset`: where this copy arrived on its input partition (decimal), to tell copies apart (copies.ts). */
  onRecord(record: ImportedRecord, partition: number, wallTimeMs: number, offset?: string): UsageOutput[] {
    if (this.futureToleranceMs !== undefined) {
      // Quarantined before it can touch event time: not observed, not matched, not held.
      const future = checkNotInFuture(record.recordedAt, wallTimeMs, this.futureToleranceMs);
      if (future) {
        const held = offset === undefined ? record : { ...record, offset };
        return [{ kind: 'dead-letter', partition, reason: future.reason, message: `record ${record.internalId} of msisdn ${record.msisdn}: ${future.message}`, record: held }];
      }
    }
    this.tracker.observe(partition, record.recordedAt, wallTimeMs);
    this.markChanged(partitionKey(partition), partition);
    const state = this.matching.get(record.msisdn) ?? AgreementMatcher.empty(record.msisdn, partition);
    const result = AgreementMatcher.addRecord(state, record, this.limits, this.applied(partition), offset);
    if (result.state !== state) this.setMatching(record.msisdn, result.state);
    const out: UsageOutput[] = [...result.deadLetters];
    if (result.matched) out.push(...this.count(result.matched, partition, offset));
    out.push(...this.advance(wallTimeMs));
    return out;
  }

  /** Recomputes the watermark at `wallTimeMs` (idleness) and fires what is due. Call periodically. */
  advance(wallTimeMs: number): UsageOutput[] {
    const moved = this.tracker.advance(wallTimeMs);
    const out = this.onWatermarkMoved(moved);
    if (this.wallClockClose) out.push(...this.closeByWallClock(wallTimeMs, this.wallClockClose));
    return out;
  }

  /** Moves the watermark to at least `watermarkMs` (end of input, tests). */
  advanceWatermarkTo(watermarkMs: number): UsageOutput[] {
    return this.onWatermarkMoved(this.tracker.forceTo(watermarkMs));
  }

  // ---- copies of a record (see copies.ts) ------------------------------------------------

  /**
   * The records of an input about to be processed whose store look-up the processor may
   * need: matched ones not later than their window's latest record (as it will be when
   * they come). Records of `agreements` are those the agreements release. Errs on the
   * side of asking: a record it misses makes processing throw StoredCopyLookupMissing.
   */
  storedCopiesToLookUp(input: { readonly agreements?: readonly Agreement[]; readonly records?: readonly ImportedRecord[] }): CopyKeyFields[] {
    const latest = new Map<string, number>();
    const out: CopyKeyFields[] = [];
    // Records of a subscriber mostly fall in the period of the one before: reuse it.
    const lastPeriod = new Map<string, BillingPeriod>();
    const consider = (record: ImportedRecord, agreement: Agreement) => {
      const cached = lastPeriod.get(agreement.id);
      const period =
        cached && cached.zone === agreement.billingPeriodTimeZone && record.recordedAt >= cached.startMs && record.recordedAt < cached.endMs
          ? cached
          : BillingPeriod.containing(record.recordedAt, agreement.billingPeriodTimeZone);
      lastPeriod.set(agreement.id, period);
      const key = windowKey(agreement.id, period.year, period.month);
      let l = latest.get(key);
      if (l === undefined) {
        const w = this.windows.get(key);
        l = w && !w.closed && w.latestRecordedAt !== null ? w.latestRecordedAt : Number.NEGATIVE_INFINITY;
      }
      if (record.recordedAt <= l) {
        out.push({ agreementId: agreement.id, year: period.year, month: period.month, recordedAt: record.recordedAt, internalRecordId: record.internalId });
      }
      latest.set(key, Math.max(l, record.recordedAt));
    };
    const simulated = new Map<string, MatchingState>();
    for (const a of input.agreements ?? []) {
      const state = simulated.get(a.msisdn) ?? this.matching.get(a.msisdn) ?? AgreementMatcher.empty(a.msisdn, 0);
      const { state: next, released } = AgreementMatcher.addAgreement(state, a);
      simulated.set(a.msisdn, next);
      for (const m of released) consider(m.record, m.agreement);
    }
    for (const r of input.records ?? []) {
      const state = this.matching.get(r.msisdn);
      const agreement = state && AgreementMatcher.match(state.agreements, r.recordedAt);
      if (agreement) consider(r, agreement);
    }
    return out;
  }

  /** Gives the store look-ups for the input about to be processed (kept until the next drainChanges). */
  provideStoredCopies(copies: StoredCopies): void {
    for (const [k, v] of copies) this.storedCopies.set(k, v);
  }

  /**
   * The copy of this record its window already counted, or undefined when the record is
   * new (copies.ts explains which cases need the store). A stored row written by this very
   * arrival, or a later one of the partition, is the ingester's own uncommitted attempt,
   * replayed: not a copy.
   */
  private countedCopy(existing: WindowState | undefined, data: DataRecord, partition: number, offset: string | undefined): StoredCopy | undefined {
    if (!existing || existing.latestRecordedAt === null || data.recordedAt > existing.latestRecordedAt) return undefined;
    if (data.recordedAt === existing.latestRecordedAt && existing.latestTies !== null) {
      if (existing.latestInternalRecordId === data.internalRecordId) return { partition, offset: existing.latestOffset === null ? null : String(existing.latestOffset) };
      const c = existing.latestTies.find((x) => x.internalId === data.internalRecordId);
      return c ? { partition, offset: c.offset } : undefined;
    }
    const key = copyKey(data);
    const now = this.countedNow.get(key);
    if (now) return now;
    const stored = this.storedCopies.get(key);
    if (stored === undefined) throw new StoredCopyLookupMissing([data]);
    if (stored === null || stored.offset === null) return undefined;
    // Written by this arrival or a later one of this partition: offsets commit in order, so
    // such a row is from uncommitted work now replayed (a late copy of the record, say,
    // rewrote it before a crash) and stands for no counted copy.
    if (stored.partition === partition && offset !== undefined && BigInt(stored.offset) >= BigInt(offset)) return undefined;
    return stored;
  }

  // ---- counting and firing ------------------------------------------------------------

  private applied(partition: number): number | null {
    return this.tracker.get(partition)?.appliedWatermark ?? null;
  }

  private count({ record, agreement }: Match, partition: number, offset: string | undefined = record.offset): UsageOutput[] {
    const period = BillingPeriod.containing(record.recordedAt, agreement.billingPeriodTimeZone);
    const data: DataRecord = {
      agreementId: agreement.id,
      year: period.year,
      month: period.month,
      recordedAt: record.recordedAt,
      internalRecordId: record.internalId,
      recordedBytes: record.recordedBytes,
    };
    const arrival: RecordArrival | undefined =
      offset === undefined ? undefined : record.source ? { partition, offset, source: record.source } : { partition, offset };
    const base = { partition, key: agreement.id, timestampMs: record.recordedAt, record: data, ...(arrival ? { arrival } : {}) };
    const key = windowKey(agreement.id, period.year, period.month);
    const existing = this.windows.get(key);
    const applied = this.applied(partition);
    if (existing?.closed || (applied !== null && applied >= BillingWindow.closesAt(period, this.allowedLatenessMs))) {
      // Stored without an arrival: a late record is counted by no window, and a late copy
      // must not overwrite the arrival of the copy that was counted (copies.ts).
      const { arrival: _notCounted, ...stored } = base;
      return [
        { kind: 'data-record', ...stored },
        {
          kind: 'late',
          ...stored,
          message: `billing period ${period.year}-${period.month} (${period.zone}) of agreement ${agreement.id} was already closed`,
        },
      ];
    }
    const first = this.countedCopy(existing, data, partition, offset);
    if (first) {
      return [{ kind: 'duplicate', partition, key: agreement.id, timestampMs: record.recordedAt, record: data, second: arrival ?? null, first }];
    }
    const current = existing ?? BillingWindow.open(agreement, period, partition);
    // A total past 2^63 − 1 could not be written anywhere: the record is neither counted
    // nor stored, and the window stays exactly as it was.
    const overflow = BillingWindow.overflowMessage(current, data);
    if (overflow !== undefined) return [{ kind: 'dead-letter', partition, reason: 'total-overflow', message: overflow, record: offset === undefined || record.offset !== undefined ? record : { ...record, offset } }];
    const out: UsageOutput[] = [{ kind: 'data-record', ...base }];
    const { window, exceeded } = BillingWindow.add(current, data, agreement, offset ?? null);
    this.setWindow(key, window);
    this.countedNow.set(copyKey(data), arrival ?? { partition, offset: null });
    if (exceeded) out.push(exceeded);
    return out;
  }

  private onWatermarkMoved(moved: readonly number[]): UsageOutput[] {
    if (moved.length === 0) return [];
    for (const p of moved) this.markChanged(partitionKey(p), p);
    return [...this.closeByWatermark(), ...this.expireHeld()];
  }

  private sortedEnds(): number[] {
    return [...this.windowsByEnd.keys()].sort((a, b) => a - b);
  }

  private closeByWatermark(): UsageOutput[] {
    const out: UsageOutput[] = [];
    let highest: number | null = null;
    for (const p of this.tracker.partitions()) {
      const a = this.applied(p);
      if (a !== null && (highest === null || a > highest)) highest = a;
    }
    if (highest === null) return out;
    for (const end of this.sortedEnds()) {
      const closesAt = BillingWindow.closesAt({ endMs: end }, this.allowedLatenessMs);
      if (closesAt > highest) break;
      for (const key of [...(this.windowsByEnd.get(end) ?? [])].sort(byString)) {
        const w = this.windows.get(key);
        const applied = w && this.applied(w.partition);
        if (!w || applied === null || applied === undefined || applied < closesAt) continue;
        if (!w.closed) out.push(BillingWindow.close(w).closed);
        this.setWindow(key, null); // state freed; the partition's watermark now marks it closed
      }
    }
    return out;
  }

  private closeByWallClock(wallTimeMs: number, policy: WallClockClosePolicy): UsageOutput[] {
    const out: UsageOutput[] = [];
    for (const end of this.sortedEnds()) {
      if (wallTimeMs < end + policy.graceMs) break;
      for (const key of [...(this.windowsByEnd.get(end) ?? [])].sort(byString)) {
        const w = this.windows.get(key);
        if (!w || w.closed || !this.tracker.isIdle(w.partition, wallTimeMs, policy.idleMs)) continue;
        const { marker, closed } = BillingWindow.close(w);
        out.push(closed);
        // Keep a marker until the watermark passes the period, so later records are late.
        this.setWindow(key, marker);
      }
    }
    return out;
  }

  private expireHeld(): UsageOutput[] {
    const out: UsageOutput[] = [];
    for (const msisdn of [...this.holding].sort(byString)) {
      const state = this.matching.get(msisdn);
      /* v8 ignore next */
      if (!state) continue;
      const { state: next, deadLetters } = AgreementMatcher.expire(state, this.applied(state.partition), this.limits);
      if (next !== state) this.setMatching(msisdn, next);
      out.push(...deadLetters);
    }
    return out;
  }

  // ---- state bookkeeping ---------------------------------------------------------------

  private markChanged(key: string, partition: number): void {
    this.changed.set(key, partition);
  }

  private setMatching(msisdn: string, state: MatchingState | null, track = true): void {
    const previous = this.matching.get(msisdn);
    const partition = state?.partition ?? previous?.partition;
    if (state && (state.agreements.length > 0 || state.held.length > 0)) {
      this.matching.set(msisdn, state);
    } else {
      this.matching.delete(msisdn);
    }
    if (state && state.held.length > 0) this.holding.add(msisdn);
    else this.holding.delete(msisdn);
    if (track && partition !== undefined) this.markChanged(msisdn, partition);
  }

  private setWindow(key: string, window: WindowState | null, track = true): void {
    const previous = this.windows.get(key);
    if (previous) {
      const group = this.windowsByEnd.get(previous.endMs);
      group?.delete(key);
      if (group?.size === 0) this.windowsByEnd.delete(previous.endMs);
    }
    if (window) {
      this.windows.set(key, window);
      const group = this.windowsByEnd.get(window.endMs) ?? new Set<string>();
      group.add(key);
      this.windowsByEnd.set(window.endMs, group);
    } else {
      this.windows.delete(key);
    }
    const partition = window?.partition ?? previous?.partition;
    if (track && partition !== undefined) this.markChanged(key, partition);
  }

  // ---- queries ------------------------------------------------------------------------------

  /** The open (not yet closed) billing periods of an agreement, oldest first. */
  openWindows(agreementId: string): WindowState[] {
    return [...this.windows.values()]
      .filter((w) => w.agreementId === agreementId && !w.closed)
      .sort((a, b) => a.startMs - b.startMs);
  }

  /**
   * Every agreement held, with the newest of its billing windows in state (open, or closed
   * early and kept) or null: the rows of a live listing (no order). One pass over each map.
   */
  agreementsWithNewestWindow(): { agreement: Agreement; partition: number; window: WindowState | null }[] {
    const newest = new Map<string, WindowState>();
    for (const w of this.windows.values()) {
      const n = newest.get(w.agreementId);
      if (n === undefined || w.startMs > n.startMs) newest.set(w.agreementId, w);
    }
    const out: { agreement: Agreement; partition: number; window: WindowState | null }[] = [];
    for (const m of this.matching.values()) {
      for (const agreement of m.agreements) out.push({ agreement, partition: m.partition, window: newest.get(agreement.id) ?? null });
    }
    return out;
  }

  /** The agreement with this id and the partition holding it, if this processor holds it. */
  agreementById(agreementId: string): { agreement: Agreement; partition: number } | undefined {
    for (const m of this.matching.values()) {
      for (const agreement of m.agreements) if (agreement.id === agreementId) return { agreement, partition: m.partition };
    }
    return undefined;
  }

  /** Number of windows in state (open, or closed early and waiting for the watermark). */
  windowCount(): number {
    return this.windows.size;
  }

  /** Number of msisdns with unmatched records held. */
  holdingCount(): number {
    return this.holding.size;
  }

  // ---- changelog and snapshots -----------------------------------------------------------

  /** Keys changed since the last drain, with their current value (null = tombstone), sorted by key. */
  drainChanges(): StateChange[] {
    const changes = [...this.changed]
      .sort(([a], [b]) => byString(a, b))
      .map(([key, partition]) => ({ key, partition, value: this.snapshotKey(key) }));
    this.changed.clear();
    // The unit of work ends here: what it counted goes to the store now.
    this.storedCopies.clear();
    this.countedNow.clear();
    return changes;
  }

  /** The current changelog value of one key, or null if it holds no state. */
  snapshotKey(key: string): StateValue | null {
    if (key.startsWith('partition:')) {
      const p = this.tracker.get(Number(key.slice('partition:'.length)));
      return p ? { v: 1, kind: 'partition', partition: p.partition, maxRecordedAt: p.maxRecordedAt, appliedWatermark: p.appliedWatermark } : null;
    }
    const w = this.windows.get(key);
    if (w) return windowToValue(w);
    const m = this.matching.get(key);
    return m ? matchingToValue(m) : null;
  }

  /**
   * The live entries of `partitions` only (fresh copies of plain data), in no particular
   * order: a local snapshot's content. One pass over the maps, copying only what is
   * wanted, so its cost on the hot path is that of the partitions taken, not the whole
   * state (snapshot() also sorts every key).
   */
  partitionEntries(partitions: Iterable<number>): [string, StateValue][] {
    const wanted = new Set(partitions);
    const out: [string, StateValue][] = [];
    for (const p of this.tracker.partitions()) {
      if (!wanted.has(p)) continue;
      const v = this.snapshotKey(partitionKey(p));
      if (v) out.push([partitionKey(p), v]);
    }
    for (const [key, w] of this.windows) if (wanted.has(w.partition)) out.push([key, windowToValue(w)]);
    for (const [key, m] of this.matching) if (wanted.has(m.partition)) out.push([key, matchingToValue(m)]);
    return out;
  }

  /** Applies one changelog entry (any known format version); null deletes the key. Does not mark it changed. */
  restoreKey(key: string, value: unknown): Result<void, SnapshotError> {
    if (value === null) {
      if (key.startsWith('partition:')) this.tracker.revoke(Number(key.slice('partition:'.length)));
      else if (this.windows.has(key)) this.setWindow(key, null, false);
      else this.setMatching(key, null, false);
      return ok(undefined);
    }
    const parsed = stateValueSchema.safeParse(value);
    if (!parsed.success) return err(new SnapshotError(key, issuesOf(parsed.error)));
    const v = parsed.data;
    switch (v.kind) {
      case 'partition':
        this.tracker.restore(v.partition, v.maxRecordedAt, v.appliedWatermark);
        break;
      case 'window':
        this.tracker.assign(v.partition);
        this.setWindow(key, windowFromValue(v), false);
        break;
      case 'matching':
        this.tracker.assign(v.partition);
        this.setMatching(key, matchingFromValue(v), false);
        break;
    }
    return ok(undefined);
  }

  /** The whole state, versioned and JSON-serialisable. */
  snapshot(): ProcessorSnapshot {
    const keys = [
      ...this.tracker.partitions().map(partitionKey),
      ...this.windows.keys(),
      ...this.matching.keys(),
    ].sort(byString);
    const entries = keys.flatMap((k) => {
      const v = this.snapshotKey(k);
      return v ? [[k, v] as const] : [];
    });
    return { version: 1, watermark: this.tracker.current(), entries };
  }

  /** A processor rebuilt from a snapshot of any known version (after JSON round trip or not). */
  static restore(config: UsageProcessorConfig, snapshot: unknown): Result<UsageProcessor, SnapshotError> {
    const parsed = processorSnapshotSchema.safeParse(snapshot);
    if (!parsed.success) return err(new SnapshotError(undefined, issuesOf(parsed.error)));
    const processor = new UsageProcessor(config);
    for (const [key, value] of parsed.data.entries) {
      const r = processor.restoreKey(key, value);
      /* v8 ignore next */
      if (!r.ok) return r;
    }
    if (parsed.data.watermark !== null) processor.tracker.restoreCombined(parsed.data.watermark);
    return ok(processor);
  }
}
