// Unit tests of the ingester's shell (ingester.ts) over in-memory fakes of its Kafka and
// Cassandra ports (src/testing/): rebalances, failed and fenced transactions, Cassandra
// failures, poison messages and bad changelog entries, in seconds and without servers.
// The real-server suites (test/ingester/) stay: these add speed and reach.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { januaryMessages } from '../../../test/support/seed-example';
import { FakeServers, advance, seedExample, type IngesterInstance, type LogLine } from './testing/ingester-driver';

const P = 1; // the seed subscriber's partition in these tests

const logged = (logs: LogLine[], pattern: RegExp) => logs.filter((l) => pattern.test(l.msg));

describe('ingester shell over fake Kafka and Cassandra', () => {
  let servers: FakeServers;
  const running: IngesterInstance[] = [];
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    servers = new FakeServers(3);
  });
  afterEach(async () => {
    for (const i of running.splice(0)) await i.ingester.stop();
    vi.useRealTimers();
  });
  const start = async () => {
    const i = await servers.startIngester();
    running.push(i);
    return i;
  };
  /** The seed's agreement and its first `n` records on partition P, read by an instance owning every partition. */
  const firstRecords = async (n: number) => {
    const { agreement, records } = seedExample();
    servers.kafka.produce([servers.agreementMessage(agreement, P), ...records.slice(0, n).map((r) => servers.recordMessage(r, P))]);
    const a = await start();
    await a.consumer.assign([0, 1, 2]);
    await a.consumer.drain();
    return { agreement, records, a };
  };

  it('the README example: exactly the two January aggregates, 31 rows, offsets committed to the end', async () => {
    const { agreement, records } = seedExample();
    servers.kafka.produce([servers.agreementMessage(agreement, P), ...records.map((r) => servers.recordMessage(r, P))]);
    const a = await start();
    await a.consumer.assign([0, 1, 2]);
    await a.consumer.drain();
    expect(servers.aggregates()).toEqual(januaryMessages());
    expect(servers.cassandra.rows()).toHaveLength(31);
    expect(servers.kafka.committed(servers.groupId, servers.topics.incomingDataRecords, P)).toBe(31n);
    expect(servers.kafka.committed(servers.groupId, servers.topics.agreements, P)).toBe(1n);
    expect(servers.deadLetters()).toEqual([]);
  });
  it('a rebalance while a batch is in flight (partition 1 revoked, then assigned again): its state comes back from the changelog, nothing is counted twice', async () => {
    const { agreement, records } = seedExample();
    servers.kafka.maxBatchMessages = 5;
    servers.kafka.produce([servers.agreementMessage(agreement, P), ...records.map((r) => servers.recordMessage(r, P))]);
    const a = await start();
    let requests = 0;
    let rebalance: Promise<void> | undefined;
    servers.cassandra.beforeRequest = () => {
      // During the third batch's Cassandra write: the rebalance waits for the batch, then revokes partition 1.
      if (++requests === 3) rebalance = a.consumer.assign([0, 2]);
    };
    await a.consumer.assign([0, 1, 2]);
    await a.consumer.drain();
    await rebalance;
    expect(a.ingester.assignedPartitions()).toEqual([0, 2]);
    const committedBefore = servers.kafka.committed(servers.groupId, servers.topics.incomingDataRecords, P)!;
    expect(committedBefore).toBeGreaterThan(0n);
    expect(committedBefore).toBeLessThan(31n);
    await a.consumer.assign([0, 1, 2]);
    await a.consumer.drain();
    expect(servers.aggregates()).toEqual(januaryMessages());
    expect(servers.cassandra.rows()).toHaveLength(31);
    const restores = a.logs.filter((l) => l.msg === 'state restored from the changelog' && (l.partitions as number[]).includes(P));
    expect(restores).toHaveLength(2);
    expect(restores[1]!.records).toBeGreaterThan(0);
  });

  it('a transaction that fails transiently is retried after a backoff and the output is exact (the aborted attempt is invisible)', async () => {
    const { agreement, records } = seedExample();
    servers.kafka.produce([servers.agreementMessage(agreement, P)]);
    const a = await start();
    await a.consumer.assign([0, 1, 2]);
    await a.consumer.drain();
    servers.kafka.produce(records.map((r) => servers.recordMessage(r, P)));
    servers.kafka.failNextTransaction(new Error('The coordinator is loading and hence can\'t process requests'), { transactionalId: `${servers.transactionalIdPrefix}-${P}` });
    await a.consumer.drain();
    expect(servers.aggregates()).toEqual([]);
    expect(a.consumer.isPaused(servers.topics.incomingDataRecords, P)).toBe(true);
    expect(logged(a.logs, /transaction for partition 1 failed \(The coordinator is loading/)).toHaveLength(1);
    // The aborted attempt's aggregates are in the log, behind an abort marker.
    const raw = [0, 1, 2].reduce((n, p) => n + servers.kafka.rawLength(servers.topics.dataRecordsAggregates, p), 0);
    expect(raw).toBe(3);
    await advance(servers, 1000);
    expect(a.consumer.isPaused(servers.topics.incomingDataRecords, P)).toBe(false);
    await a.consumer.drain();
    expect(servers.aggregates()).toEqual(januaryMessages());
    expect(servers.cassandra.rows()).toHaveLength(31);
    expect(servers.kafka.committed(servers.groupId, servers.topics.incomingDataRecords, P)).toBe(31n);
  });

  it('a message whose output the broker refuses (MESSAGE_TOO_LARGE) is isolated and dead-lettered; its row is removed and every other record is counted', async () => {
    const { agreement, records } = seedExample();
    const [exceeded, closed] = januaryMessages();
    const poisonId = exceeded!.value.latestInternalRecordId as string;
    const poisonAt = records.findIndex((r) => r.internalId === poisonId);
    expect(poisonAt).toBeGreaterThanOrEqual(0);
    servers.kafka.refuse(
      (m) => m.topic === servers.topics.dataRecordsAggregates && String(m.value).includes(poisonId),
      () => Object.assign(new Error('The request included a message larger than the max message size the server will accept'), { type: 'MESSAGE_TOO_LARGE' }),
    );
    servers.kafka.produce([servers.agreementMessage(agreement, P), ...records.map((r) => servers.recordMessage(r, P))]);
    const a = await start();
    await a.consumer.assign([0, 1, 2]);
    await a.consumer.drain();
    const letters = servers.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ reason: 'transaction-failed', source: { topic: servers.topics.incomingDataRecords, partition: P, offset: String(poisonAt) } });
    const aggregates = servers.aggregates();
    expect(aggregates.some((m) => JSON.stringify(m.value).includes(poisonId))).toBe(false);
    const closedNow = aggregates.find((m) => (m.value as { type: string }).type === 'BILLING_PERIOD_CLOSED');
    expect((closedNow?.value as { totalRecordedBytes: number }).totalRecordedBytes).toBe((closed!.value.totalRecordedBytes as number) - Number(records[poisonAt]!.recordedBytes));
    expect(servers.cassandra.rows()).toHaveLength(30);
    expect(servers.cassandra.rows().some((r) => r.internalRecordId === poisonId)).toBe(false);
    expect(servers.kafka.committed(servers.groupId, servers.topics.incomingDataRecords, P)).toBe(31n);
  });

  it('Cassandra failing three times then recovering: the batch waits, nothing is lost', async () => {
    const { agreement, records } = seedExample();
    servers.kafka.produce([servers.agreementMessage(agreement, P), ...records.map((r) => servers.recordMessage(r, P))]);
    const a = await start();
    await a.consumer.assign([0, 1, 2]);
    servers.cassandra.failNext(3);
    await a.consumer.drain();
    expect(servers.aggregates()).toEqual(januaryMessages());
    expect(servers.cassandra.rows()).toHaveLength(31);
    expect(logged(a.logs, /^Cassandra (read|write) failed/)).toHaveLength(1);
    expect(logged(a.logs, /^Cassandra (read|write)s succeed again/)).toHaveLength(1);
    expect(servers.kafka.committed(servers.groupId, servers.topics.incomingDataRecords, P)).toBe(31n);
  });

  it('a fenced producer (another instance took the partition): the zombie\'s batch is dropped and publishes nothing', async () => {
    const { agreement, records, a } = await firstRecords(10);
    servers.kafka.produce(records.slice(10).map((r) => servers.recordMessage(r, P)));
    // Instance b gets partition 1; a has not heard of the rebalance yet.
    const b = await start();
    await b.consumer.assign([P]);
    await b.consumer.drain();
    expect(servers.aggregates()).toEqual(januaryMessages());
    const committed = servers.kafka.committed(servers.groupId, servers.topics.incomingDataRecords, P);
    expect(committed).toBe(31n);
    // The zombie fetches records 10–30 again and tries to commit them.
    expect(await a.consumer.poll()).toBeGreaterThan(0);
    const fenced = a.logs.filter((l) => l.fenced === true && l.partition === P);
    expect(fenced).toHaveLength(1);
    expect(servers.aggregates()).toEqual(januaryMessages());
    expect(servers.kafka.committed(servers.groupId, servers.topics.incomingDataRecords, P)).toBe(committed);
    expect(a.ingester.openPeriods(agreement.id)).toEqual([]);
    await a.consumer.assign([0, 2]);
    expect(a.ingester.assignedPartitions()).toEqual([0, 2]);
  });

  it('changelog entries that cannot be restored (not JSON, not a state value) are logged with key and reason; the rest is restored', async () => {
    const { records, a } = await firstRecords(10);
    await a.ingester.stop();
    servers.kafka.produce([
      { topic: servers.changelogTopic, partition: P, key: 'bad-json', value: '{"kind": "window",' },
      { topic: servers.changelogTopic, partition: P, key: 'bad-value', value: JSON.stringify({ kind: 'window', partition: P }) },
    ]);
    servers.kafka.produce(records.slice(10).map((r) => servers.recordMessage(r, P)));
    const b = await start();
    await b.consumer.assign([0, 1, 2]);
    await b.consumer.drain();
    const problems = b.logs.filter((l) => typeof l.key === 'string' && typeof l.reason === 'string');
    expect(problems.map((l) => l.key)).toEqual(['bad-json', 'bad-value']);
    expect(problems[0]!.reason).toMatch(/^not JSON: /);
    expect(problems[1]!.reason).not.toBe('');
    expect(problems[1]!.msg).toContain('"bad-value" not restored: ');
    const restored = b.logs.find((l) => l.msg === 'state restored from the changelog');
    expect(restored).toMatchObject({ problems: 2 });
    expect(restored!.records).toBeGreaterThan(2);
    // The other partitions are restored at the next tick; only then does the watermark close January.
    await advance(servers, 2000);
    expect(servers.aggregates()).toEqual(januaryMessages());
    expect(servers.cassandra.rows()).toHaveLength(31);
  });

  it('a restart restores the partition with input first and the others at the next tick; until then the watermark does not move', async () => {
    const { agreement, records } = seedExample();
    servers.kafka.produce([servers.agreementMessage(agreement, P), ...records.slice(0, 10).map((r) => servers.recordMessage(r, P))]);
    const a = await start();
    await a.consumer.assign([0, 1, 2]);
    await a.consumer.drain();
    await a.ingester.stop();
    servers.kafka.maxBatchMessages = 1000;
    servers.kafka.produce(records.slice(10).map((r) => servers.recordMessage(r, P)));
    const b = await start();
    // Partitions 0 and 2 have no input: they are restored at the next tick, not by a batch.
    await b.consumer.assign([0, 1, 2]);
    await b.consumer.drain();
    const closed = () => servers.aggregates().filter((m) => (m.value as { type?: string }).type === 'BILLING_PERIOD_CLOSED');
    expect(b.logs.filter((l) => l.msg === 'state restored from the changelog').map((l) => l.partitions)).toEqual([[P]]);
    expect(closed()).toEqual([]);
    await advance(servers, 2000);
    expect(b.logs.filter((l) => l.msg === 'state restored from the changelog').map((l) => l.partitions)).toEqual([[P], [0, 2]]);
    expect(logged(b.logs, /^every assigned partition restored$/)).toHaveLength(1);
    expect(servers.aggregates()).toEqual(januaryMessages());
    expect(servers.cassandra.rows()).toHaveLength(31);
  });
});
