// Event-time progress per input partition (system.md §5). A partition's watermark is
// the highest recordedAt it delivered − outOfOrderness − 1 ms. The processor's
// watermark is the minimum over assigned partitions that are not idle, and never goes
// back. Each partition also remembers the highest processor watermark already applied
// to its state ("appliedWatermark"), so a restore on another instance, whose other
// partitions may lag, cannot reopen a window that was already closed.

export interface PartitionProgress {
  readonly partition: number;
  /** Highest recordedAt seen on this partition, null if none yet. */
  maxRecordedAt: number | null;
  /** Highest processor watermark applied to this partition's windows and held records. */
  appliedWatermark: number | null;
  /** Wall time of the last record (not persisted: a restored partition counts as quiet). */
  lastRecordWallMs: number | null;
  /** Told by the caller: the consumer position has reached the partition's end offset. */
  caughtUp: boolean;
}

export interface WatermarkOptions {
  /** How far records may arrive out of order without being late (default 0). */
  readonly outOfOrdernessMs?: number;
  /** A caught-up partition with no record for this long (wall time) is idle. */
  readonly idleTimeoutMs: number;
  /**
   * When set, the watermark never passes wall time + this: one record stamped in 2099
   * must not close everybody's month. Unset (pure tests with a fake clock at 0): no bound.
   */
  readonly futureToleranceMs?: number;
}

const maxOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

export class WatermarkTracker {
  private readonly progress = new Map<number, PartitionProgress>();
  private combined: number | null = null;
  /** Partitions owned whose progress is not known yet (state being restored): the watermark waits for them. */
  private readonly held = new Set<number>();
  readonly outOfOrdernessMs: number;
  readonly idleTimeoutMs: number;
  readonly futureToleranceMs: number | undefined;

  constructor(options: WatermarkOptions) {
    this.outOfOrdernessMs = options.outOfOrdernessMs ?? 0;
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.futureToleranceMs = options.futureToleranceMs;
  }

  /** Starts tracking a partition (no-op if already assigned). */
  assign(partition: number): PartitionProgress {
    let p = this.progress.get(partition);
    if (!p) {
      p = { partition, maxRecordedAt: null, appliedWatermark: null, lastRecordWallMs: null, caughtUp: false };
      this.progress.set(partition, p);
    }
    return p;
  }

  /** Restores a partition's persisted progress (on assignment after a restart or rebalance). */
  restore(partition: number, maxRecordedAt: number | null, appliedWatermark: number | null): void {
    const p = this.assign(partition);
    p.maxRecordedAt = maxRecordedAt;
    p.appliedWatermark = appliedWatermark;
  }

  revoke(partition: number): void {
    this.progress.delete(partition);
    this.held.delete(partition);
  }

  /**
   * The partition is owned but its progress is not known yet (its state is still being
   * restored): until `release`, the watermark does not move, as if it had delivered nothing.
   */
  hold(partition: number): void {
    this.held.add(partition);
  }

  release(partition: number): void {
    this.held.delete(partition);
  }

  /** Partitions held (see hold). */
  heldPartitions(): number[] {
    return [...this.held].sort((a, b) => a - b);
  }

  partitions(): number[] {
    return [...this.progress.keys()].sort((a, b) => a - b);
  }

  get(partition: number): PartitionProgress | undefined {
    return this.progress.get(partition);
  }

  /** Records that `partition` delivered a record recorded at `recordedAtMs`, at wall time `wallTimeMs`. */
  observe(partition: number, recordedAtMs: number, wallTimeMs: number): void {
    const p = this.assign(partition);
    const bounded = this.futureToleranceMs === undefined ? recordedAtMs : Math.min(recordedAtMs, wallTimeMs + this.futureToleranceMs);
    p.maxRecordedAt = maxOf(p.maxRecordedAt, bounded);
    p.lastRecordWallMs = wallTimeMs;
  }

  /**
   * Whether the consumer has reached the partition's end. Callers must keep this fresh
   * (read end offsets before advancing): a stale "caught up" on an empty partition would
   * let other partitions' progress close windows its records are on the way to.
   */
  setCaughtUp(partition: number, caughtUp: boolean): void {
    this.assign(partition).caughtUp = caughtUp;
  }

  /** The partition's own watermark, null before its first record. */
  partitionWatermark(partition: number): number | null {
    const max = this.progress.get(partition)?.maxRecordedAt ?? null;
    return max === null ? null : max - this.outOfOrdernessMs - 1;
  }

  /**
   * Caught up and quiet for `quietMs` of wall time (default idleTimeoutMs), or caught up
   * and never had a record in this session. A lagging partition is never idle: that
   * would let a backfill close windows its unread records still belong to.
   */
  isIdle(partition: number, wallTimeMs: number, quietMs: number = this.idleTimeoutMs): boolean {
    const p = this.progress.get(partition);
    if (!p?.caughtUp) return false;
    return p.lastRecordWallMs === null || wallTimeMs - p.lastRecordWallMs >= quietMs;
  }

  /** The processor watermark as last computed (null before any). */
  current(): number | null {
    return this.combined;
  }

  /**
   * Recomputes the processor watermark at `wallTimeMs` and applies it to every assigned
   * partition. Returns the partitions whose applied watermark moved.
   *
   * The processor watermark is recomputed from the partitions assigned now, so it may go
   * down when a lagging partition is assigned (restored after a rebalance or a crash):
   * that partition's windows must wait for its own records. Each partition's applied
   * watermark still never goes back, so nothing already closed reopens.
   */
  advance(wallTimeMs: number): number[] {
    if (this.held.size > 0) return [];
    let min: number | null = null;
    let minIdle: number | null = null;
    let active = 0;
    for (const p of this.progress.values()) {
      const wm = this.partitionWatermark(p.partition);
      if (this.isIdle(p.partition, wallTimeMs)) {
        if (wm !== null) minIdle = minIdle === null ? wm : Math.min(minIdle, wm);
        continue;
      }
      // An active partition that has not delivered anything holds the watermark back.
      if (wm === null) return [];
      min = min === null ? wm : Math.min(min, wm);
      active++;
    }
    // Every partition idle (the feed stopped): the slowest partition that had records
    // sets it — empty partitions never block, and a stopped feed closes nothing early.
    const next = active > 0 ? min : (minIdle ?? this.combined);
    return this.apply(next === null ? null : Math.min(next, this.ceiling(wallTimeMs)));
  }

  /** The highest watermark plausible at `wallTimeMs` (bounds progress restored from older state too). */
  ceiling(wallTimeMs: number): number {
    return this.futureToleranceMs === undefined ? Number.MAX_SAFE_INTEGER : wallTimeMs + this.futureToleranceMs - this.outOfOrdernessMs - 1;
  }

  /** Restores the processor watermark of a whole snapshot (partitions keep their own). */
  restoreCombined(watermarkMs: number): void {
    this.combined = watermarkMs;
  }

  /** Moves the processor watermark to at least `watermarkMs` regardless of partitions (end of input, tests). */
  forceTo(watermarkMs: number): number[] {
    return this.apply(maxOf(this.combined, watermarkMs));
  }

  private apply(watermark: number | null): number[] {
    this.combined = watermark;
    const moved: number[] = [];
    if (watermark === null) return moved;
    for (const p of this.progress.values()) {
      if (p.appliedWatermark === null || p.appliedWatermark < watermark) {
        p.appliedWatermark = watermark;
        moved.push(p.partition);
      }
    }
    return moved.sort((a, b) => a - b);
  }
}
