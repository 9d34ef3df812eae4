// What local snapshots rest on, against real Kafka: the offsets a committed transaction
// reports having written (KafkaTransaction.written) are exactly where a read_committed
// reader finds its last message + 1, also when the send is split into several requests;
// and restoreChangelog from per-partition offsets reads exactly the entries from there to
// its marker, and says where that marker ended.
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaAdmin, KafkaTransactionalProducer, RESTORE_MARKER_KEY, restoreChangelog, type IncomingMessage, type OutgoingMessage } from '@mobilecs/platform';
import { testServers } from '../support/servers';
import { readTopic } from '../support/topic-reader';
import { uniqueName } from '../support/unique-name';

describe('changelog offsets for local snapshots (real Kafka)', () => {
  const topics: string[] = [];
  afterEach(async () => {
    const admin = await KafkaAdmin.connect(testServers().kafka);
    await admin.deleteTopics(topics.splice(0)).catch(() => undefined);
    await admin.disconnect();
  });

  it('written() is the offset after the last message of each explicitly chosen partition; restoreChangelog reads from given offsets to its marker', { timeout: 120_000 }, async () => {
    const kafka = testServers().kafka;
    const topic = uniqueName('changelog_offsets');
    const other = uniqueName('changelog_offsets_other');
    topics.push(topic, other);
    const admin = await KafkaAdmin.connect(kafka);
    await admin.ensureTopics([
      { topic, partitions: 3, replicationFactor: 1, config: { 'cleanup.policy': 'compact', 'max.message.bytes': '16777216' } },
      { topic: other, partitions: 2, replicationFactor: 1 },
    ]);
    await admin.disconnect();
    const producer = await KafkaTransactionalProducer.connect(kafka, uniqueName('tx'));
    try {
      const value = 'x'.repeat(1000);
      // 1 200 messages of 1 KB for partition 0: several produce requests (chunks of 512 KiB).
      const first: OutgoingMessage[] = [
        ...Array.from({ length: 1200 }, (_, i) => ({ topic, partition: 0, key: `k${i % 50}`, value })),
        ...Array.from({ length: 5 }, (_, i) => ({ topic, partition: 1, key: `k${i}`, value: 'one' })),
        { topic: other, key: 'a', value: 'through the partitioner' },
      ];
      const w1 = await producer.inTransaction(async (tx) => {
        await tx.send(first);
        return tx.written();
      });
      const w2 = await producer.inTransaction(async (tx) => {
        await tx.send([{ topic, partition: 0, key: 'k1', value: 'two' }]);
        return tx.written();
      });
      const read = await readTopic(kafka, topic, { expected: 1206, waitMs: 30_000, lingerMs: 1000 });
      const lastOf = (ms: IncomingMessage[], p: number) => ms.filter((m) => m.partition === p).reduce((o, m) => (m.offset > o ? m.offset : o), -1n);
      const sorted = (w: { topic: string; partition: number; offset: bigint }[]) => [...w].sort((a, b) => a.partition - b.partition);
      expect(sorted(w1)).toEqual([
        { topic, partition: 0, offset: lastOf(read.filter((m) => m.value?.toString() === value), 0) + 1n },
        { topic, partition: 1, offset: lastOf(read, 1) + 1n },
      ]);
      expect(w2).toEqual([{ topic, partition: 0, offset: lastOf(read, 0) + 1n }]);

      // From w1's offsets: partition 0 holds only the second transaction's message after
      // it, partition 1 nothing, partition 2 (no offset given) everything (nothing).
      const seen: IncomingMessage[] = [];
      const from = new Map(w1.map((w) => [w.partition, w.offset]));
      const restore = await restoreChangelog(kafka, producer, topic, (m) => seen.push(m), { from });
      expect(seen.map((m) => [m.partition, m.offset, m.value?.toString()])).toEqual([[0, w2[0]!.offset - 1n, 'two']]);
      expect(restore.records).toBe(1);
      expect(restore.byPartition).toEqual(new Map([[0, 1], [1, 0], [2, 0]]));
      // The offset after each marker: everything up to there is read.
      const after = await readTopic(kafka, topic, { expected: 1209, waitMs: 30_000, lingerMs: 1000 });
      for (const p of [0, 1, 2]) {
        const marker = after.filter((m) => m.partition === p && m.key === RESTORE_MARKER_KEY).at(-1)!;
        expect(restore.next.get(p)).toBe(marker.offset + 1n);
      }
    } finally {
      await producer.disconnect();
    }
  });
});
