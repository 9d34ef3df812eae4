import { afterEach, describe, expect, it } from 'vitest';
import { expectedAggregates, januaryMessages } from '../support/seed-example';
import { IngesterHarness, fixtureAgreement, fixtureRecords } from './ingester-harness';

describe('ingester: the original README example end to end (real Kafka + Cassandra)', () => {
  let h: IngesterHarness;
  afterEach(async () => {
    await h.cleanUp();
  });

  it('publishes exactly the two expected aggregates and stores 30 January rows summing to the closed total', async () => {
    h = new IngesterHarness(3);
    await h.createTopics();
    const agreement = fixtureAgreement();
    const records = fixtureRecords();
    await h.send([h.agreementMessage(agreement)]);
    await h.send(records.map((r) => h.recordMessage(r)));
    await h.start();

    const got = await h.aggregates(2);
    expect(got.map((m) => ({ key: m.key, timestamp: m.timestamp, value: JSON.parse(m.value?.toString() ?? '{}') as unknown }))).toEqual(januaryMessages());

    const c = await h.cassandra();
    try {
      const rs = await c.execute(`SELECT recorded_bytes FROM ${h.keyspace}.data_record WHERE agreement_id = ? AND year = 2020 AND month = 1`, [agreement.id], { prepare: true });
      expect(rs.rows).toHaveLength(30);
      const sum = rs.rows.reduce((s, r) => s + (r.get('recorded_bytes') as bigint), 0n);
      expect(sum).toBe(BigInt(expectedAggregates()[1]!.totalRecordedBytes));
      const feb = await c.execute(`SELECT count(*) AS n FROM ${h.keyspace}.data_record WHERE agreement_id = ? AND year = 2020 AND month = 2`, [agreement.id], { prepare: true });
      expect(Number(feb.first().get('n'))).toBe(1);
    } finally {
      await c.shutdown();
    }
  });
});
