// Local snapshots of the ingester's keyed state, per input partition (Kafka Streams' local
// state store with its changelog checkpoint): restarts read the changelog only from the
// offset a snapshot covers. Every snapshot is a true statement about the changelog —
// "replaying partition p up to offset o gives these entries" — whoever wrote it and
// whatever happened later, so a stale snapshot (the partition moved away and back) is
// still right once the changelog's tail after o is read.
import type { Logger } from '@mobilecs/platform';
import { assembleSnapshot, decodeSnapshot, entryLine, SnapshotRejected, type Snapshot } from './local-snapshot';
import type { SnapshotFiles } from './local-snapshot-files';
import { judgeSnapshot, type ChangelogFacts } from './local-snapshot-trust';

export interface LocalSnapshotOptions {
  files: SnapshotFiles;
  changelogTopic: string;
  /** Write a partition's snapshot after a commit once this many of its keys changed since the last one… */
  minChanges: number;
  /** …or once this long has passed since its last one (and anything changed). */
  intervalMs: number;
  now: () => number;
  log: Logger;
}

/** Per partition: what the in-memory state covers, and what is on disk. */
interface Coverage {
  /** Next changelog offset: the state in memory is the changelog replayed up to here; undefined = not known. */
  offset: bigint | undefined;
  /** Wall clock before the write (or restore) that made `offset` true: tombstones after it are younger. */
  since: number;
  changes: number;
  /** Offset of the newest snapshot on disk, as far as this instance knows. */
  onDisk: bigint | undefined;
  lastWriteAt: number;
  /** Entries in the last snapshot this instance wrote (0: none yet). */
  lastEntries: number;
}

/** What the processor gives: the state of some partitions as changelog entries (each value names its partition). */
export interface StateSource {
  partitionEntries(partitions: Iterable<number>): readonly (readonly [string, unknown])[];
}

export interface SnapshotWriteStats {
  partitions: number;
  entries: number;
  bytes: number;
  /** Time inside the ingester's work (taking the state): the hot path's cost. */
  takeMs: number;
  /** Time encoding (in slices, between the ingester's work) and writing and syncing the files. */
  encodeMs: number;
  /** Time writing and syncing the files (off the hot path). */
  writeMs: number;
}

/** Entries encoded per event-loop turn (a few ms), so the ingester's work interleaves. */
const SLICE = 5000;

function partitionOf(value: unknown): number | undefined {
  const p = (value as { partition?: unknown } | null)?.partition;
  return typeof p === 'number' ? p : undefined;
}

export class LocalSnapshots {
  private readonly coverage = new Map<number, Coverage>();
  private writing: Promise<void> = Promise.resolve();
  private busy = false;
  readonly writes: SnapshotWriteStats[] = [];

  constructor(private readonly opts: LocalSnapshotOptions) {}

  async prepare(): Promise<void> {
    const leftovers = await this.opts.files.prepare();
    if (leftovers.length) this.opts.log.warn({ dir: this.opts.files.dir, leftovers }, `removed ${leftovers.length} unfinished snapshot file(s) left by a crash`);
  }

  /**
   * The snapshots to restore `partitions` from: each valid and trusted one (see
   * judgeSnapshot); every other partition is restored from the whole changelog, and why
   * is logged. `facts` reads the broker's view of the changelog (asked only when a file exists).
   */
  async load(partitions: number[], facts: () => Promise<Map<number, ChangelogFacts>>): Promise<Map<number, Snapshot>> {
    const out = new Map<number, Snapshot>();
    let known: Map<number, ChangelogFacts> | undefined;
    for (const partition of partitions) {
      const reject = (reason: string, offset?: bigint) =>
        this.opts.log.warn({ partition, snapshotOffset: offset === undefined ? null : offset.toString(), reason }, `partition ${partition}: local snapshot not used (${reason}); restoring from the whole changelog`);
      let bytes: Buffer | null;
      try {
        bytes = await this.opts.files.read(this.opts.changelogTopic, partition);
      } catch (err) {
        reject(`cannot read ${this.opts.files.path(this.opts.changelogTopic, partition)}: ${(err as Error).message}`);
        continue;
      }
      if (bytes === null) {
        this.opts.log.info({ partition }, `partition ${partition}: no local snapshot; restoring from the whole changelog`);
        continue;
      }
      let snapshot: Snapshot;
      try {
        snapshot = decodeSnapshot(bytes, { topic: this.opts.changelogTopic, partition });
      } catch (err) {
        if (!(err instanceof SnapshotRejected)) throw err;
        reject(`${err.reason}: ${err.message}`);
        continue;
      }
      try {
        known ??= await facts();
      } catch (err) {
        reject(`cannot read the changelog's offsets and delete.retention.ms: ${(err as Error).message}`, snapshot.offset);
        continue;
      }
      const verdict = judgeSnapshot(snapshot, known.get(partition), this.opts.now());
      if (!verdict.use) {
        reject(verdict.reason, snapshot.offset);
        continue;
      }
      out.set(partition, snapshot);
    }
    return out;
  }

  /** The state of `partition` in memory is the changelog replayed up to `offset` (undefined: not known), true since `since`. */
  restored(partition: number, offset: bigint | undefined, since: number, onDisk: bigint | undefined): void {
    // Restored from a snapshot: the next one is due as usual. From the whole changelog: at
    // the first commit, so that the next restart is fast.
    const lastEntries = this.coverage.get(partition)?.lastEntries ?? 0;
    this.coverage.set(partition, { offset, since, changes: 0, onDisk, lastWriteAt: onDisk === undefined ? 0 : this.opts.now(), lastEntries });
  }

  /**
   * A transaction of `partition` committed `changes` changelog entries, the last one
   * before `offset` (undefined: the send did not say, so the coverage is lost until the
   * next restore). `since`: wall clock before the transaction.
   */
  committed(partition: number, changes: number, offset: bigint | undefined, since: number): void {
    const c = this.coverage.get(partition);
    if (!c || changes === 0) return;
    c.offset = offset;
    c.since = since;
    c.changes += changes;
  }

  private due(partition: number, force: boolean): boolean {
    const c = this.coverage.get(partition);
    if (!c || c.offset === undefined || c.offset === c.onDisk) return false;
    // A snapshot costs in proportion to the state, so by changes it is rewritten only once
    // the changelog's tail would cost about as much to restore as the snapshot itself.
    return force || c.changes >= Math.max(this.opts.minChanges, c.lastEntries) || this.opts.now() - c.lastWriteAt >= this.opts.intervalMs;
  }

  /**
   * After a commit, inside the ingester's work: takes the state of the partitions due
   * (of `restored`, whose state in memory is exactly the committed changelog) and writes
   * their files in the background. One write at a time; a partition due while one runs
   * waits for the next commit.
   */
  afterCommit(state: StateSource, restored: number[]): void {
    if (this.busy) return;
    const due = restored.filter((p) => this.due(p, false));
    if (due.length) this.writing = this.take(state, due);
  }

  /** On a graceful stop: writes every partition whose snapshot is behind, and waits. */
  async flush(state: StateSource, restored: number[]): Promise<void> {
    await this.writing;
    const due = restored.filter((p) => this.due(p, true));
    if (due.length) await this.take(state, due);
  }

  /** Drops what is known of partitions no longer held (their files stay: still true). */
  forget(partitions: number[]): void {
    for (const p of partitions) {
      const c = this.coverage.get(p);
      if (c) c.offset = undefined;
    }
  }

  /**
   * Synchronous part now, inside the ingester's work: the state taken (the processor's
   * values are fresh copies of plain data, so later work cannot change them). Encoding,
   * a slice of entries per event-loop turn, and the files: in the background.
   */
  private take(state: StateSource, partitions: number[]): Promise<void> {
    const t0 = performance.now();
    const wanted = new Set(partitions);
    const entries = new Map<number, (readonly [string, unknown])[]>(partitions.map((p) => [p, []]));
    for (const e of state.partitionEntries(partitions)) {
      const p = partitionOf(e[1]);
      if (p !== undefined && wanted.has(p)) entries.get(p)!.push(e);
    }
    const taken = partitions.map((p) => {
      const c = this.coverage.get(p)!;
      c.changes = 0;
      c.lastWriteAt = this.opts.now();
      c.lastEntries = entries.get(p)!.length;
      return { p, meta: { topic: this.opts.changelogTopic, partition: p, offset: c.offset!, writtenAt: c.since }, entries: entries.get(p)! };
    });
    const takeMs = performance.now() - t0;
    this.busy = true;
    return (async () => {
      const t1 = performance.now();
      let encodeMs = 0;
      try {
        const files: { p: number; offset: bigint; count: number; bytes: Buffer }[] = [];
        for (const t of taken) {
          const lines: string[] = [];
          for (let i = 0; i < t.entries.length; i += SLICE) {
            if (i > 0) await new Promise((r) => setImmediate(r));
            const e0 = performance.now();
            for (const e of t.entries.slice(i, i + SLICE)) lines.push(entryLine(e));
            encodeMs += performance.now() - e0;
          }
          const e0 = performance.now();
          const bytes = assembleSnapshot(t.meta, lines);
          encodeMs += performance.now() - e0;
          await this.opts.files.write(this.opts.changelogTopic, t.p, bytes);
          const c = this.coverage.get(t.p);
          if (c) c.onDisk = t.meta.offset;
          files.push({ p: t.p, offset: t.meta.offset, count: t.entries.length, bytes });
        }
        const stats = { partitions: files.length, entries: files.reduce((n, f) => n + f.count, 0), bytes: files.reduce((n, f) => n + f.bytes.length, 0), takeMs, encodeMs, writeMs: performance.now() - t1 - encodeMs };
        this.writes.push(stats);
        if (this.writes.length > 100) this.writes.shift();
        this.opts.log.info(
          { ...stats, snapshots: files.map((f) => ({ partition: f.p, offset: f.offset.toString(), entries: f.count })) },
          `local snapshots written: partitions ${files.map((f) => f.p).join(', ')} (${stats.entries} entries, ${stats.bytes} bytes; ${takeMs.toFixed(1)} ms taking the state in the ingester's work, ${encodeMs.toFixed(1)} ms encoding and ${stats.writeMs.toFixed(1)} ms writing in the background)`,
        );
      } catch (err) {
        // The old file (if any) stays, and is still true: only this refresh is lost.
        this.opts.log.error({ err, dir: this.opts.files.dir }, `local snapshot not written: ${(err as Error).message}`);
      } finally {
        this.busy = false;
      }
    })();
  }
}
