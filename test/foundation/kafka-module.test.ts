import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KafkaAdmin,
  KafkaProducer,
  KafkaTransactionalProducer,
  ProducerFencedError,
  TopicLayoutError,
  ensureTopics,
  setKafkaLogSink,
  type KafkaConnection,
} from '@mobilecs/platform';
import { testServers, uniqueName, uniqueTopicNames } from '../support/servers';
import { readTopic } from '../support/topic-reader';

describe('our Kafka module against the real broker', () => {
  let conn: KafkaConnection;
  let admin: KafkaAdmin;
  beforeAll(async () => {
    conn = testServers().kafka;
    admin = await KafkaAdmin.connect(conn);
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  it('round-trips keyed messages with their timestamps', async () => {
    const topic = uniqueName('roundtrip');
    await admin.ensureTopics([{ topic, partitions: 3 }]);
    const producer = await KafkaProducer.connect(conn);
    await producer.send([
      { topic, key: '48111', value: 'one', timestamp: 1_577_833_200_000 },
      { topic, key: '48222', value: 'two', timestamp: 1_577_919_600_000 },
    ]);
    await producer.disconnect();
    const got = await readTopic(conn, topic, { readCommitted: true, expected: 2 });
    expect(got.map((m) => [m.key, m.value?.toString(), m.timestamp]).sort()).toEqual([
      ['48111', 'one', 1_577_833_200_000],
      ['48222', 'two', 1_577_919_600_000],
    ]);
  });

  it('commits messages and consumer offsets in one transaction; read_committed never sees an aborted one', async () => {
    const topic = uniqueName('tx_out');
    const input = uniqueName('tx_in');
    const group = uniqueName('tx_group');
    await admin.ensureTopics([
      { topic, partitions: 2 },
      { topic: input, partitions: 2 },
    ]);
    const producer = await KafkaTransactionalProducer.connect(conn, uniqueName('txid'));
    await producer.inTransaction(async (tx) => {
      await tx.send([{ topic, key: 'a', value: 'committed-1' }]);
      await tx.sendOffsets(group, [{ topic: input, partition: 1, offset: 42n }]);
    });
    await expect(
      producer.inTransaction(async (tx) => {
        await tx.send([{ topic, key: 'a', value: 'aborted' }]);
        await tx.sendOffsets(group, [{ topic: input, partition: 1, offset: 99n }]);
        throw new Error('processing failed');
      }),
    ).rejects.toThrow('processing failed');
    await producer.inTransaction(async (tx) => tx.send([{ topic, key: 'a', value: 'committed-2' }]));
    await producer.disconnect();

    const committed = await readTopic(conn, topic, { readCommitted: true, expected: 2 });
    expect(committed.map((m) => m.value?.toString())).toEqual(['committed-1', 'committed-2']);
    // The aborted message is physically in the log: a read_uncommitted reader sees it.
    const everything = await readTopic(conn, topic, { readCommitted: false, expected: 3 });
    expect(everything.map((m) => m.value?.toString())).toContain('aborted');
    // Offsets sent in the committed transaction are the group's; the aborted ones are not.
    const offsets = await admin.committedOffsets(group, input);
    expect(offsets.find((o) => o.partition === 1)?.offset).toBe(42n);
  });

  it('fences a zombie: an older producer with the same transactional id can no longer commit', async () => {
    const topic = uniqueName('fence');
    await admin.ensureTopics([{ topic, partitions: 1 }]);
    const id = uniqueName('txid');
    const zombie = await KafkaTransactionalProducer.connect(conn, id);
    const zombieTx = await zombie.begin();
    await zombieTx.send([{ topic, key: 'k', value: 'from-zombie' }]);
    const successor = await KafkaTransactionalProducer.connect(conn, id);
    await successor.inTransaction(async (tx) => tx.send([{ topic, key: 'k', value: 'from-successor' }]));
    await expect(zombieTx.commit()).rejects.toBeInstanceOf(ProducerFencedError);
    await Promise.all([zombie.disconnect(), successor.disconnect()]);
    const got = await readTopic(conn, topic, { readCommitted: true, expected: 1 });
    expect(got.map((m) => m.value?.toString())).toEqual(['from-successor']);
  });

  it('creates the mobilecs topics idempotently, co-partitioned, agreements kept forever', async () => {
    const names = uniqueTopicNames();
    const layout = { names, inputPartitions: 4, outputPartitions: 2, replicationFactor: 1 };
    await ensureTopics(conn, layout);
    await ensureTopics(conn, layout); // twice is harmless
    expect(await admin.partitionCount(names.agreements)).toBe(4);
    expect(await admin.partitionCount(names.incomingDataRecords)).toBe(4);
    expect((await admin.topicConfig(names.agreements))['retention.ms']).toBe('-1');
    // A different partition count for an existing topic is refused, clearly.
    await expect(ensureTopics(conn, { ...layout, inputPartitions: 6 })).rejects.toBeInstanceOf(TopicLayoutError);
  });

  it('bounds dead-letters and data-records-late by size (issue #13): created with the configured retention, changed on an existing topic, read back from Kafka', async () => {
    const names = uniqueTopicNames();
    const layout = { names, inputPartitions: 2, outputPartitions: 2, replicationFactor: 1 };
    const MiB = 1_048_576;
    await ensureTopics(conn, { ...layout, retention: { deadLettersBytes: 64 * MiB, dataRecordsLateBytes: 8 * MiB } });
    const dead = await admin.topicConfig(names.deadLetters);
    const late = await admin.topicConfig(names.dataRecordsLate);
    // Segments a quarter of the retention (1 MiB … 128 MiB): Kafka deletes only whole closed segments.
    expect([dead['retention.bytes'], dead['segment.bytes']]).toEqual([String(64 * MiB), String(16 * MiB)]);
    expect([late['retention.bytes'], late['segment.bytes']]).toEqual([String(8 * MiB), String(2 * MiB)]);
    expect(dead['retention.ms']).toBe('-1');
    // Only these two topics are bounded; agreements keep everything.
    expect((await admin.topicConfig(names.agreements))['retention.bytes']).toBe('-1');
    expect((await admin.topicConfig(names.dataRecordsAggregates))['retention.bytes']).toBe('-1');

    // A new configured value is applied to the existing topics, logged, and nothing else changes.
    const logged: string[] = [];
    setKafkaLogSink((_level, message) => logged.push(message));
    try {
      await ensureTopics(conn, { ...layout, retention: { deadLettersBytes: 2048 * MiB, dataRecordsLateBytes: -1 } });
    } finally {
      setKafkaLogSink(undefined);
    }
    const dead2 = await admin.topicConfig(names.deadLetters);
    const late2 = await admin.topicConfig(names.dataRecordsLate);
    expect([dead2['retention.bytes'], dead2['segment.bytes']]).toEqual([String(2048 * MiB), String(128 * MiB)]);
    expect([late2['retention.bytes'], late2['segment.bytes']]).toEqual(['-1', String(1024 * MiB)]);
    for (const c of [dead2, late2]) {
      expect(c['retention.ms']).toBe('-1');
      expect(c['message.timestamp.after.max.ms']).toBe('9223372036854775807');
    }
    expect(logged).toContain(`topic ${names.deadLetters}: retention.bytes changed from ${64 * MiB} to ${2048 * MiB} (configured)`);
    expect(logged).toContain(`topic ${names.dataRecordsLate}: retention.bytes changed from ${8 * MiB} to -1 (configured)`);

    // Without a value in the layout, the environment's (default 1 GiB) applies, as in every service.
    const before = process.env.TOPIC_DEAD_LETTERS_RETENTION_BYTES;
    process.env.TOPIC_DEAD_LETTERS_RETENTION_BYTES = String(32 * MiB);
    try {
      await ensureTopics(conn, layout);
    } finally {
      if (before === undefined) delete process.env.TOPIC_DEAD_LETTERS_RETENTION_BYTES;
      else process.env.TOPIC_DEAD_LETTERS_RETENTION_BYTES = before;
    }
    expect((await admin.topicConfig(names.deadLetters))['retention.bytes']).toBe(String(32 * MiB));
    expect((await admin.topicConfig(names.dataRecordsLate))['retention.bytes']).toBe(String(1024 * MiB));
  });

  it('refuses inputs that are not co-partitioned', async () => {
    const names = uniqueTopicNames();
    await admin.ensureTopics([{ topic: names.incomingDataRecords, partitions: 3 }]);
    await expect(ensureTopics(conn, { names, inputPartitions: 2, outputPartitions: 1, replicationFactor: 1 })).rejects.toThrow(/partitions/);
  });
});
