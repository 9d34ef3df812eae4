// Totals never overflow (issue #12), on real Kafka, Cassandra and ingester processes: byte
// counts are exact up to 2^63 − 1 on every topic, in the changelog, over HTTP and in
// Cassandra; a record that would take a window past 2^63 − 1 is a 'total-overflow' dead
// letter, the window keeps its total and the partition goes on billing everyone else.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExact } from '@mobilecs/domain';
import type { IncomingMessage, OutgoingMessage } from '@mobilecs/platform';
import type { ServiceProcess } from '../support/service-process';
import { IngesterHarness } from './ingester-harness';

const MAX = 2n ** 63n - 1n; // 9223372036854775807

type Json = Record<string, unknown>;
const text = (m: IncomingMessage): string => m.value?.toString('utf8') ?? '';
const parse = (m: IncomingMessage): Json => parseExact(text(m)) as Json;


// Wire JSON written by hand, as another producer would, the byte counts as plain digits.
function agreement(h: IngesterHarness, msisdn: string, maxBytes: bigint): { id: string; message: OutgoingMessage } {
  const id = randomUUID();
  const value =
    `{"id":"${id}","msisdn":"${msisdn}","signedAt":"2019-12-01T00:00:00Z","serviceStartAt":"2019-12-15T00:00:00Z",` +
    `"billingPeriodTimeZone":"Europe/Warsaw","maxBytesInBillingPeriod":${maxBytes}}`;
  return { id, message: { topic: h.topics.agreements, key: msisdn, value } };
}

function record(h: IngesterHarness, msisdn: string, recordedAt: string, bytes: bigint): { internalId: string; message: OutgoingMessage } {
  const internalId = randomUUID();
  const value = `{"externalId":"${randomUUID()}","recordedAt":"${recordedAt}","msisdn":"${msisdn}","recordedBytes":${bytes},"internalId":"${internalId}"}`;
  return { internalId, message: { topic: h.topics.incomingDataRecords, key: msisdn, value, timestamp: Date.parse(recordedAt) } };
}

/** Cassandra rows of one billing period: recorded_bytes as read (bigint), and the varint sum. */
async function storedBytes(h: IngesterHarness, agreementId: string, year: number, month: number): Promise<{ rows: unknown[]; sum: string }> {
  const c = await h.cassandra();
  try {
    const where = `FROM ${h.keyspace}.data_record WHERE agreement_id = ? AND year = ? AND month = ?`;
    const rows = (await c.execute(`SELECT recorded_bytes ${where}`, [agreementId, year, month], { prepare: true })).rows.map((r) => r.get('recorded_bytes') as unknown);
    const sum = String((await c.execute(`SELECT sum(CAST(recorded_bytes AS varint)) AS s ${where}`, [agreementId, year, month], { prepare: true })).first()?.get('s'));
    return { rows, sum };
  } finally {
    await c.shutdown();
  }
}

describe('ingester: byte counts up to 2^63 − 1 (real Kafka + Cassandra)', () => {
  let h: IngesterHarness | undefined;
  afterEach(async () => {
    await h?.cleanUp();
    h = undefined;
  });

  it('2^62 + (2^62 − 1) = 2^63 − 1 exactly; 1 B more is a total-overflow dead letter, the total unchanged (also after a restart), the partition keeps billing others', async () => {
    h = new IngesterHarness(3);
    await h.createTopics();
    let ingester: ServiceProcess = await h.start();
    const [bigMsisdn, otherMsisdn] = h.msisdnsOn([1, 1]) as [string, string];
    const big = agreement(h, bigMsisdn, MAX);
    const other = agreement(h, otherMsisdn, 1000n);
    await h.send([big.message, other.message]);
    await h.waitForMetric('ingester_messages_in_total', 2, { topic: 'agreements' });

    await h.send([record(h, bigMsisdn, '2020-01-05T10:00:00Z', 2n ** 62n).message, record(h, bigMsisdn, '2020-01-06T10:00:00Z', 2n ** 62n - 1n).message]);
    const [exceeded] = await h.aggregates(1);
    expect(exceeded?.key).toBe(big.id);
    expect(text(exceeded!)).toContain(`"totalRecordedBytes":9223372036854775807,`);
    expect(text(exceeded!)).toContain(`"maxBytesInBillingPeriod":9223372036854775807,`);
    expect(parse(exceeded!)).toMatchObject({ agreementId: big.id, year: 2020, month: 1, type: 'DATA_PLAN_EXCEEDED', totalRecordedBytes: MAX });

    // 1 B more for the full subscriber; the other subscriber on the same partition goes on.
    const one = record(h, bigMsisdn, '2020-01-07T10:00:00Z', 1n);
    await h.send([one.message, record(h, otherMsisdn, '2020-01-08T10:00:00Z', 600n).message, record(h, otherMsisdn, '2020-01-09T10:00:00Z', 500n).message]);
    const dead = await h.read('deadLetters', 1);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.key).toBe(h.topics.incomingDataRecords);
    const letter = parse(dead[0]!);
    expect(letter).toMatchObject({ reason: 'total-overflow', source: { topic: h.topics.incomingDataRecords, partition: 1 }, record: { internalId: one.internalId, msisdn: bigMsisdn, recordedBytes: 1 } });
    expect(letter.message).toBe(
      `record ${one.internalId} of 1 B not counted: billing period 2020-1 (Europe/Warsaw) of agreement ${big.id} already totals 9223372036854775807 B, ` +
        'and 9223372036854775807 + 1 would exceed 9223372036854775807 B (2^63 − 1)',
    );
    expect(await h.metric('ingester_dead_letters_total', { reason: 'total-overflow' }, ingester)).toBe(1);
    const both = await h.aggregates(2);
    expect(both.map(parse).find((a) => a.agreementId === other.id)).toMatchObject({ type: 'DATA_PLAN_EXCEEDED', totalRecordedBytes: 1100 });

    // Live usage over HTTP: the exact total as a JSON number.
    const usage = await h.httpGet(`/api/usage/${big.id}`, ingester);
    expect(usage.status).toBe(200);
    expect(usage.body).toContain('"totalRecordedBytes":9223372036854775807,"maxBytesInBillingPeriod":9223372036854775807,');

    // A restart restores the window from the changelog with its exact total; the refused record is not read again.
    await ingester.kill('SIGKILL');
    ingester = await h.start();
    await h.send([record(h, otherMsisdn, '2020-02-03T10:00:00Z', 1n).message]); // moves event time past January
    const all = await h.aggregates(4);
    const closed = all.map(parse).filter((a) => a.type === 'BILLING_PERIOD_CLOSED');
    expect(closed.map((a) => [a.agreementId, a.totalRecordedBytes]).sort()).toEqual([[big.id, MAX], [other.id, 1100]].sort());
    expect(all.map(text).find((t) => t.includes(big.id) && t.includes('BILLING_PERIOD_CLOSED'))).toContain('"totalRecordedBytes":9223372036854775807,');
    expect(await h.read('deadLetters', 2, 3000, 500)).toHaveLength(1);
    expect((await h.httpGet('/health/ready', ingester)).status).toBe(200);

    // Cassandra: the two counted records, exact as CQL bigint; the refused one is not stored.
    const stored = await storedBytes(h, big.id, 2020, 1);
    expect([...stored.rows].sort()).toEqual([2n ** 62n - 1n, 2n ** 62n]);
    expect(stored.sum).toBe('9223372036854775807');
  });

  it("the issue's case: a record of 9007199254740991 B and one more give an exact total beyond 2^53, and the partition never stalls", async () => {
    h = new IngesterHarness(3);
    await h.createTopics();
    const ingester = await h.start();
    const [a, b] = h.msisdnsOn([2, 2]) as [string, string];
    const plan = agreement(h, a, 2n ** 53n);
    const small = agreement(h, b, 10n);
    await h.send([plan.message, small.message]);
    await h.waitForMetric('ingester_messages_in_total', 2, { topic: 'agreements' });
    await h.send([
      record(h, a, '2020-01-05T10:00:00Z', 9007199254740991n).message,
      record(h, a, '2020-01-06T10:00:00Z', 2n).message,
      record(h, b, '2020-01-07T10:00:00Z', 20n).message,
    ]);
    const got = await h.aggregates(2);
    const forPlan = got.find((m) => m.key === plan.id);
    expect(text(forPlan!)).toContain('"totalRecordedBytes":9007199254740993,"billingPeriodTimeZone":"Europe/Warsaw","maxBytesInBillingPeriod":9007199254740992,"type":"DATA_PLAN_EXCEEDED"');
    expect(parse(got.find((m) => m.key === small.id)!)).toMatchObject({ type: 'DATA_PLAN_EXCEEDED', totalRecordedBytes: 20 });
    await h.send([record(h, b, '2020-02-03T10:00:00Z', 1n).message]);
    const closed = (await h.aggregates(4)).filter((m) => m.key === plan.id && text(m).includes('BILLING_PERIOD_CLOSED'));
    expect(closed.map(text)[0]).toContain('"totalRecordedBytes":9007199254740993,');
    expect(await h.read('deadLetters', 1, 3000, 500)).toEqual([]);
    expect((await h.httpGet('/health/ready', ingester)).status).toBe(200);
    const stored = await storedBytes(h, plan.id, 2020, 1);
    expect([...stored.rows].sort()).toEqual([2n, 9007199254740991n]);
    expect(stored.sum).toBe('9007199254740993');
  });
});
