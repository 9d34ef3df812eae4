import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IngesterHarness, fixtureAgreement, fixtureDir, fixtureRecords } from './ingester-harness';

interface ExpectedAggregate {
  createTime: number;
  agreementId: string;
  year: number;
  month: number;
  latestRecordedAt: string;
  externalId: string;
  totalRecordedBytes: number;
  billingPeriodTimeZone: string;
  maxBytesInBillingPeriod: number;
  type: string;
}

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
    const expected = readFileSync(join(fixtureDir, 'expected-aggregates.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ExpectedAggregate);
    expect(got).toHaveLength(2);
    for (const [i, e] of expected.entries()) {
      const m = got[i]!;
      const internalId = records.find((r) => r.externalId === e.externalId)?.internalId;
      expect(m.key).toBe(e.agreementId);
      expect(m.timestamp).toBe(e.createTime);
      expect(JSON.parse(m.value?.toString() ?? '{}')).toEqual({
        agreementId: e.agreementId,
        year: e.year,
        month: e.month,
        latestRecordedAt: new Date(e.latestRecordedAt).toISOString(),
        latestInternalRecordId: internalId,
        totalRecordedBytes: e.totalRecordedBytes,
        billingPeriodTimeZone: e.billingPeriodTimeZone,
        maxBytesInBillingPeriod: e.maxBytesInBillingPeriod,
        type: e.type,
      });
    }

    const c = await h.cassandra();
    try {
      const rs = await c.execute(`SELECT recorded_bytes FROM ${h.keyspace}.data_record WHERE agreement_id = ? AND year = 2020 AND month = 1`, [agreement.id], { prepare: true });
      expect(rs.rows).toHaveLength(30);
      const sum = rs.rows.reduce((s, r) => s + (r.get('recorded_bytes') as bigint), 0n);
      expect(sum).toBe(BigInt(expected[1]!.totalRecordedBytes));
      const feb = await c.execute(`SELECT count(*) AS n FROM ${h.keyspace}.data_record WHERE agreement_id = ? AND year = 2020 AND month = 2`, [agreement.id], { prepare: true });
      expect(Number(feb.first().get('n'))).toBe(1);
    } finally {
      await c.shutdown();
    }
  });
});
