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
  opts: { partitions?: number[]; timeoutMs?: number } = {},
): Promise<{ records: number }> {
  const admin = await KafkaAdmin.connect(conn);
  let count: number;
  try {
    count = await admin.partitionCount(topic);
  } finally {
    await admin.disconnect();
  }
  const partitions = opts.partitions ?? [...Array(count).keys()];
  if (partitions.length === 0) return { records: 0 };
  const marker = randomUUID();
  await producer.inTransaction((tx) =>
    tx.send(partitions.map((partition) => ({ topic, partition, key: RESTORE_MARKER_KEY, value: marker }))),
  );
  const wanted = new Set(partitions);
  const pending = new Set(partitions);
  let records = 0;
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
        for (const m of batch.messages) {
          if (m.key === RESTORE_MARKER_KEY) {
            if (m.value?.toString() === marker) {
              pending.delete(batch.partition);
              if (pending.size === 0) resolveDone();
              break;
            }
            continue;
          }
          records++;
          onRecord(m);
        }
      },
    });
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
  return { records };
}
