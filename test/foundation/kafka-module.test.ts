import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KafkaAdmin,
  KafkaProducer,
  KafkaTransactionalProducer,
  ProducerFencedError,
  TopicLayoutError,
  ensureTopics,
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
      await tx.sendOffsets(group, [{ topic: input, partition: 1, offset: '42' }]);
    });
    await expect(
      producer.inTransaction(async (tx) => {
        await tx.send([{ topic, key: 'a', value: 'aborted' }]);
        await tx.sendOffsets(group, [{ topic: input, partition: 1, offset: '99' }]);
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
    expect(offsets.find((o) => o.partition === 1)?.offset).toBe('42');
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

  it('refuses inputs that are not co-partitioned', async () => {
    const names = uniqueTopicNames();
    await admin.ensureTopics([{ topic: names.incomingDataRecords, partitions: 3 }]);
    await expect(ensureTopics(conn, { names, inputPartitions: 2, outputPartitions: 1, replicationFactor: 1 })).rejects.toThrow(/partitions/);
  });
});
