import { randomUUID } from 'node:crypto';
import { KafkaAdmin } from './admin';
import { KafkaConsumer } from './consumer';
import type { KafkaTransactionalProducerPort } from './ports';
import type { IncomingMessage, KafkaConnection } from './types';

/** Key of the marker records; compaction keeps only the latest one per partition. */
export const RESTORE_MARKER_KEY = '__mobilecs_restore_marker__';

/**
 * Reads a compacted changelog topic up to "now", the way Kafka Streams restores keyed
 * state. "Now" is made exact without knowing the last stable offset: the caller's
 * transactional producer (already initialised, so any transaction of a previous
 * incarnation is aborted) commits a marker into every partition, and reading stops
 * once each partition's marker has been seen. Markers are not passed to `onRecord`.
 */
export async function restoreChangelog(
  conn: KafkaConnection,
  producer: KafkaTransactionalProducerPort,
  topic: string,
  onRecord: (message: IncomingMessage) => void,
  opts: { partitions?: number[]; timeoutMs?: number; from?: ReadonlyMap<number, bigint> } = {},
): Promise<ChangelogRestore> {
  const admin = await KafkaAdmin.connect(conn);
  let count: number;
  try {
    count = await admin.partitionCount(topic);
  } finally {
    await admin.disconnect();
  }
  const partitions = opts.partitions ?? [...Array(count).keys()];
  if (partitions.length === 0) return { records: 0, byPartition: new Map(), next: new Map() };
  const marker = randomUUID();
  await producer.inTransaction((tx) =>
    tx.send(partitions.map((partition) => ({ topic, partition, key: RESTORE_MARKER_KEY, value: marker }))),
  );
  const wanted = new Set(partitions);
  const pending = new Set(partitions);
  let records = 0;
  const byPartition = new Map<number, number>(partitions.map((p) => [p, 0]));
  const next = new Map<number, bigint>();
  const from = opts.from ?? new Map<number, bigint>();
  const consumer = await KafkaConsumer.connect(
    { ...conn, clientId: `${conn.clientId}-restore` },
    { groupId: `${conn.clientId}-restore-${marker}`, readCommitted: true, fromBeginning: true, manualCommit: true },
  );
  try {
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    await consumer.subscribe([topic]);
    await consumer.run({
      eachBatch: async (batch) => {
        if (!wanted.has(batch.partition) || !pending.has(batch.partition)) return;
        const start = from.get(batch.partition) ?? 0n;
        for (const m of batch.messages) {
          // A fetch made before the seek below took effect: what it holds is already known.
          if (m.offset < start) continue;
          if (m.key === RESTORE_MARKER_KEY) {
            if (m.value?.toString() === marker) {
              next.set(batch.partition, m.offset + 1n);
              pending.delete(batch.partition);
              if (pending.size === 0) resolveDone();
              break;
            }
            continue;
          }
          records++;
          byPartition.set(batch.partition, (byPartition.get(batch.partition) ?? 0) + 1);
          onRecord(m);
        }
      },
    });
    // Partitions known up to an offset are read from there (kafkajs applies a seek made
    // after run() at the next fetch of that partition).
    for (const [partition, offset] of from) if (wanted.has(partition) && offset > 0n) consumer.seek({ topic, partition, offset });
    const timeoutMs = opts.timeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`restoring ${topic} did not finish within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return { records, byPartition, next };
}

/** What a changelog restore read: entries passed to onRecord (in all, per partition) and, per partition, the offset after its marker. */
export interface ChangelogRestore {
  records: number;
  byPartition: Map<number, number>;
  /** The next offset to read: the state restored covers the partition up to here. */
  next: Map<number, bigint>;
}

/** What decides whether a changelog read from an offset can be trusted (see the ingester's local snapshots). */
export interface ChangelogRetention {
  /** Per partition: the log start offset (records before it are gone) and the end (high watermark). */
  partitions: Map<number, { start: bigint; end: bigint }>;
  /** The topic's delete.retention.ms: how long a tombstone is kept after compaction reaches it. */
  deleteRetentionMs: number;
}

/** Reads a changelog topic's log start and end offsets and its delete.retention.ms. */
export async function changelogRetention(conn: KafkaConnection, topic: string): Promise<ChangelogRetention> {
  const admin = await KafkaAdmin.connect(conn);
  try {
    const [offsets, config] = await Promise.all([admin.offsetRange(topic), admin.topicConfig(topic)]);
    const raw = config['delete.retention.ms'];
    const deleteRetentionMs = raw === undefined ? Number.NaN : Number(raw);
    if (!Number.isFinite(deleteRetentionMs)) throw new Error(`topic ${topic}: delete.retention.ms is ${raw === undefined ? 'not reported' : JSON.stringify(raw)}`);
    return { partitions: new Map(offsets.map((o) => [o.partition, { start: o.start, end: o.end }])), deleteRetentionMs };
  } finally {
    await admin.disconnect();
  }
}
