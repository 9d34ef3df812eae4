// Whether a local snapshot may stand in for the start of its changelog partition, or the
// partition must be restored from the whole changelog. Pure: the facts come from the
// snapshot and from Kafka (log start and end offsets, delete.retention.ms).

/** What the broker says about the changelog partition and topic. */
export interface ChangelogFacts {
  /** Log start offset: records before it were deleted (retention, deleteRecords). */
  start: bigint;
  /** High watermark. */
  end: bigint;
  /** The topic's delete.retention.ms. */
  deleteRetentionMs: number;
}

export type SnapshotVerdict = { use: true } | { use: false; reason: string };

/**
 * A snapshot covering [0, offset) is used with the changelog read from `offset` only if
 * that read gives every change made after it:
 * - `offset` ≥ the log start offset (otherwise records after the snapshot were deleted);
 * - `offset` ≤ the end (otherwise this is not the log the snapshot was taken from: the
 *   topic was recreated);
 * - taken less than delete.retention.ms ago: a tombstone written after the snapshot is
 *   kept at least that long once compaction reaches it; after that it may be gone, and
 *   the snapshot would bring back a deleted key.
 */
export function judgeSnapshot(snapshot: { offset: bigint; writtenAt: number }, facts: ChangelogFacts | undefined, nowMs: number): SnapshotVerdict {
  if (facts === undefined) return { use: false, reason: 'the changelog partition is unknown to the broker' };
  if (snapshot.offset < facts.start) return { use: false, reason: `snapshot offset ${snapshot.offset} is below the log start offset ${facts.start} (records after it were deleted)` };
  if (snapshot.offset > facts.end) return { use: false, reason: `snapshot offset ${snapshot.offset} is past the end of the changelog (${facts.end}): the topic is not the one it was taken from` };
  const age = nowMs - snapshot.writtenAt;
  if (age < 0) return { use: false, reason: `snapshot written ${-age} ms in the future (clock moved back?)` };
  if (age >= facts.deleteRetentionMs) {
    return { use: false, reason: `snapshot is ${age} ms old, not younger than the changelog's delete.retention.ms (${facts.deleteRetentionMs}): tombstones written after it may be compacted away` };
  }
  return { use: true };
}
