// No input may corrupt or stall billing (issue 12), on real Kafka, Cassandra and an
// ingester process: a record stamped in 2099, an agreement far too large, a malformed
// one and one keyed by the wrong msisdn all become dead letters while an unrelated
// subscriber on the same partition keeps being billed exactly; a message whose
// transaction the broker refuses is isolated and set aside; a partition that cannot
// commit makes readiness say so, and recovers; aborted transactions of other producers
// on the inputs neither hold back billing nor look like a stall.
import { createHash, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaAdmin, KafkaTransactionalProducer, ensureTopics, type IncomingMessage, type OutgoingMessage } from '@mobilecs/platform';
import { testServers } from '../support/servers';
import { IngesterHarness } from './ingester-harness';

type Json = Record<string, unknown>;
const parse = (m: IncomingMessage): Json => JSON.parse(m.value?.toString('utf8') ?? 'null') as Json;


// Wire JSON written by hand, as another producer would: independent of our codecs.
function agreement(h: IngesterHarness, msisdn: string, maxBytes: number, key: string = msisdn): { id: string; message: OutgoingMessage } {
  const id = randomUUID();
  const value = JSON.stringify({
    id,
    msisdn,
    signedAt: '2019-12-01T00:00:00Z',
    serviceStartAt: '2019-12-15T00:00:00Z',
    billingPeriodTimeZone: 'Europe/Warsaw',
    maxBytesInBillingPeriod: maxBytes,
  });
  return { id, message: { topic: h.topics.agreements, key, value } };
}

function record(h: IngesterHarness, msisdn: string, recordedAt: string, bytes: number): OutgoingMessage {
  const value = JSON.stringify({ externalId: randomUUID(), recordedAt, msisdn, recordedBytes: bytes, internalId: randomUUID() });
  return { topic: h.topics.incomingDataRecords, key: msisdn, value, timestamp: Date.parse(recordedAt) };
}

async function rows(h: IngesterHarness, agreementId: string, month: number): Promise<string[]> {
  const c = await h.cassandra();
  try {
    const rs = await c.execute(`SELECT recorded_bytes FROM ${h.keyspace}.data_record WHERE agreement_id = ? AND year = 2020 AND month = ?`, [agreementId, month], { prepare: true });
    return rs.rows.map((r) => String(r.get('recorded_bytes'))).sort();
  } finally {
    await c.shutdown();
  }
}

describe('ingester input safety (real Kafka + Cassandra)', () => {
  let h: IngesterHarness | undefined;
  afterEach(async () => {
    await h?.cleanUp();
    h = undefined;
  });

  it('a 2099 record, a 700 KB agreement, a malformed and a wrongly keyed agreement become dead letters; the live subscriber on their partition is billed exactly', async () => {
    h = new IngesterHarness(3);
    await h.createTopics();
    const [live, other] = h.msisdnsOn([1, 1]) as [string, string];
    const a = agreement(h, live, 1000);
    const b = agreement(h, other, 1000);
    await h.start();
    await h.send([a.message, b.message]);
    await h.send([record(h, live, '2020-01-10T10:00:00Z', 600)]);
    await h.waitForMetric('ingester_records_matched_total', 1);

    const huge = '"'.repeat(700_000);
    const stray = agreement(h, '48699999999', 5, live); // msisdn ≠ key
    await h.send([
      record(h, other, '2099-01-01T09:00:00Z', 1), // the mistyped year
      { topic: h.topics.agreements, key: other, value: huge },
      { topic: h.topics.agreements, key: live, value: '{"id":' },
      stray.message,
    ]);
    await h.send([record(h, live, '2020-01-20T10:00:00Z', 300), record(h, live, '2020-01-25T10:00:00Z', 200)]);
    await h.send([record(h, live, '2020-02-05T10:00:00Z', 1)]); // closes January

    const aggregates = (await h.aggregates(2)).map(parse);
    expect(aggregates.map((x) => [x.agreementId, x.month, x.type, x.totalRecordedBytes])).toEqual([
      [a.id, 1, 'DATA_PLAN_EXCEEDED', 1100],
      [a.id, 1, 'BILLING_PERIOD_CLOSED', 1100],
    ]);
    expect(await h.read('dataRecordsLate', 0, 3000, 500)).toHaveLength(0);

    const letters = await h.read('deadLetters', 4);
    expect(letters).toHaveLength(4);
    const byReason = new Map(letters.map((m) => [parse(m).reason as string, { m, v: parse(m) }]));
    expect(letters.map((m) => parse(m).reason as string).sort()).toEqual(['key-mismatch', 'malformed-json', 'malformed-json', 'recorded-at-in-future']);
    const future = byReason.get('recorded-at-in-future')!.v;
    expect(future.message).toContain('2099-01-01T09:00:00.000Z');
    const mismatch = byReason.get('key-mismatch')!.v;
    expect(mismatch).toMatchObject({ key: live, source: { topic: h.topics.agreements, partition: 1 } });
    expect(mismatch.message).toContain('48699999999');
    // The 700 KB value: cut, with its full length and hash, far under the topic's limit.
    const big = letters.find((m) => parse(m).rawBytes === 700_000);
    expect(big).toBeDefined();
    expect(big!.value!.length).toBeLessThan(100_000);
    expect(parse(big!)).toMatchObject({ truncated: true, rawSha256: createHash('sha256').update(huge).digest('hex'), source: { topic: h.topics.agreements, partition: 1 } });

    expect(await rows(h, a.id, 1)).toEqual(['200', '300', '600']);
    expect(await rows(h, a.id, 2)).toEqual(['1']);
    expect(await rows(h, b.id, 1)).toEqual([]);
    const ready = await h.httpGet('/health/ready');
    expect(ready.status).toBe(200);
  });

  it('a message whose transaction the broker refuses (MESSAGE_TOO_LARGE) is isolated, set aside with its row removed, and the partition moves on', async () => {
    h = new IngesterHarness(3);
    // Aggregates larger than 300 bytes are refused: the record that crosses the plan
    // makes its transaction fail every time.
    const admin = await KafkaAdmin.connect(testServers().kafka);
    await admin.ensureTopics([{ topic: h.topics.dataRecordsAggregates, partitions: 3, replicationFactor: 1, config: { 'max.message.bytes': '300' } }]);
    await admin.disconnect();
    await h.createTopics();
    const [capped, neighbour] = h.msisdnsOn([2, 2]) as [string, string];
    const a = agreement(h, capped, 100);
    const n = agreement(h, neighbour, 1_000_000);
    await h.start();
    await h.send([a.message, n.message]);
    await h.send([
      record(h, capped, '2020-01-02T10:00:00Z', 10),
      record(h, neighbour, '2020-01-02T11:00:00Z', 5),
      record(h, capped, '2020-01-03T10:00:00Z', 10),
      record(h, capped, '2020-01-04T10:00:00Z', 100), // crosses the plan: its aggregate is refused
      record(h, capped, '2020-01-05T10:00:00Z', 10),
      record(h, neighbour, '2020-01-05T11:00:00Z', 5),
      record(h, capped, '2020-01-06T10:00:00Z', 10),
    ]);
    const letters = (await h.read('deadLetters', 1, 60_000)).map(parse);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ reason: 'transaction-failed', source: { topic: h.topics.incomingDataRecords, partition: 2 } });
    expect(JSON.parse(letters[0]!.raw as string)).toMatchObject({ msisdn: capped, recordedBytes: 100 });
    expect(String(letters[0]!.message)).toMatch(/larger than|too large|MESSAGE_TOO_LARGE/i);

    await h.waitForMetric('ingester_records_matched_total', 6);
    const usage = async (id: string) => JSON.parse((await h!.httpGet(`/api/usage/${id}`)).body) as { openPeriods: Json[] };
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && Number((await usage(a.id)).openPeriods[0]?.totalRecordedBytes) !== 40) await new Promise((r) => setTimeout(r, 200));
    expect((await usage(a.id)).openPeriods.map((p) => Number(p.totalRecordedBytes))).toEqual([40]);
    expect((await usage(n.id)).openPeriods.map((p) => Number(p.totalRecordedBytes))).toEqual([10]);
    expect(await rows(h, a.id, 1)).toEqual(['10', '10', '10', '10']);
    expect(await rows(h, n.id, 1)).toEqual(['5', '5']);
    expect(await h.aggregates(0, 2000, 500)).toHaveLength(0);
  });

  it('a partition that cannot commit makes /health/ready 503 naming it and the last error, and recovers when the cause goes', async () => {
    h = new IngesterHarness(3, { INGESTER_STALL_AFTER_MS: '3000' });
    await h.createTopics();
    const [m] = h.msisdnsOn([0]) as [string];
    const a = agreement(h, m, 100);
    await h.start();
    await h.send([a.message, record(h, m, '2020-01-02T10:00:00Z', 10)]);
    await h.waitForMetric('ingester_records_matched_total', 1);
    expect((await h.httpGet('/health/ready')).status).toBe(200);

    // The aggregates topic goes away: the record that crosses the plan cannot commit.
    const admin = await KafkaAdmin.connect(testServers().kafka);
    await admin.deleteTopics([h.topics.dataRecordsAggregates]);
    await h.send([record(h, m, '2020-01-03T10:00:00Z', 95)]);
    // DOWN once it has not committed for 3 s; the error kafkajs gives up with follows.
    let ready = await h.httpGet('/health/ready');
    const until = Date.now() + 90_000;
    while (!(ready.status === 503 && ready.body.includes('last error')) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 500));
      ready = await h.httpGet('/health/ready');
    }
    expect(ready.status).toBe(503);
    const body = JSON.parse(ready.body) as { checks: Record<string, { status: string; reason?: string }> };
    expect(body.checks.partitions?.status).toBe('DOWN');
    expect(body.checks.partitions?.reason).toMatch(/partition 0 has input waiting and has not committed for \d+ s; last error: .+/);
    expect(await h.metric('ingester_partitions_stalled')).toBe(1);

    await ensureTopics(testServers().kafka, { names: h.topics, inputPartitions: 3, outputPartitions: 3, replicationFactor: 1 });
    await admin.disconnect();
    const aggregates = (await h.aggregates(1, 90_000)).map(parse);
    expect(aggregates.map((x) => [x.type, x.totalRecordedBytes])).toEqual([['DATA_PLAN_EXCEEDED', 105]]);
    const back = Date.now() + 30_000;
    while ((await h.httpGet('/health/ready')).status !== 200 && Date.now() < back) await new Promise((r) => setTimeout(r, 500));
    expect((await h.httpGet('/health/ready')).status).toBe(200);
    expect(await rows(h, a.id, 1)).toEqual(['10', '95']);
  });

  it('aborted transactions on both input topics neither hold back billing nor look like a stall', async () => {
    h = new IngesterHarness(3, { INGESTER_STALL_AFTER_MS: '3000' });
    await h.createTopics();
    const [m, ghost] = h.msisdnsOn([1, 1]) as [string, string];
    const a = agreement(h, m, 1000);
    // Another producer's transactions on partition 1 of both inputs, aborted: each leaves
    // offsets no read_committed reader ever sees (messages + abort marker).
    const tx = await KafkaTransactionalProducer.connect(testServers().kafka, `abort-${randomUUID()}`);
    try {
      const t = await tx.begin();
      await t.send([agreement(h, ghost, 1).message, record(h, ghost, '2020-01-02T10:00:00Z', 7), record(h, m, '2020-01-02T10:00:00Z', 999)]);
      await t.abort();
    } finally {
      await tx.disconnect();
    }
    await h.send([a.message]);
    await h.start();
    await h.send([record(h, m, '2020-01-10T10:00:00Z', 600), record(h, m, '2020-01-20T10:00:00Z', 500)]);
    await h.send([record(h, m, '2020-02-05T10:00:00Z', 1)]); // closes January

    const aggregates = (await h.aggregates(2)).map(parse);
    expect(aggregates.map((x) => [x.agreementId, x.month, x.type, x.totalRecordedBytes])).toEqual([
      [a.id, 1, 'DATA_PLAN_EXCEEDED', 1100],
      [a.id, 1, 'BILLING_PERIOD_CLOSED', 1100],
    ]);
    expect(await rows(h, a.id, 1)).toEqual(['500', '600']);
    // Nothing waits on partition 1 any more: no false stall once STALL_AFTER has passed.
    await new Promise((r) => setTimeout(r, 5000));
    const ready = await h.httpGet('/health/ready');
    expect(ready.status, ready.body).toBe(200);
    expect(await h.metric('ingester_partitions_stalled')).toBe(0);
  });

  it('records waiting behind a transaction a dead producer left open hold billing back (not closed early, not late) and readiness says so; once Kafka aborts it they are counted', async () => {
    h = new IngesterHarness(3, { INGESTER_STALL_AFTER_MS: '3000' });
    await h.createTopics();
    const [a1] = h.msisdnsOn([1]) as [string];
    const [b0] = h.msisdnsOn([0]) as [string];
    const a = agreement(h, a1, 1_000_000);
    const b = agreement(h, b0, 1_000_000);
    await h.start();
    await h.send([a.message, b.message, record(h, a1, '2020-01-10T10:00:00Z', 600), record(h, b0, '2020-01-10T10:00:00Z', 60)]);
    await h.waitForMetric('ingester_records_matched_total', 2);

    // A producer opens a transaction on partition 1 of both inputs and dies: Kafka aborts
    // it only after its transaction timeout (10 s here).
    const dead = await KafkaTransactionalProducer.connect(testServers().kafka, `dead-${randomUUID()}`, { transactionTimeoutMs: 10_000 });
    const t = await dead.begin();
    await t.send([agreement(h, a1, 1).message, record(h, a1, '2020-01-02T10:00:00Z', 7)]);
    await dead.disconnect();
    const openedAt = Date.now();
    // Committed records of A behind it; then B's February record would close January
    // everywhere if partition 1 looked read to its end.
    await h.send([record(h, a1, '2020-01-20T10:00:00Z', 300), record(h, a1, '2020-01-25T10:00:00Z', 400)]);
    await h.send([record(h, b0, '2020-02-03T10:00:00Z', 1)]);

    let ready = await h.httpGet('/health/ready');
    while (ready.status !== 503 && Date.now() - openedAt < 9_000) {
      await new Promise((r) => setTimeout(r, 250));
      ready = await h.httpGet('/health/ready');
    }
    expect(ready.status, 'readiness reports the waiting partition').toBe(503);
    expect(ready.body).toMatch(/partition 1 has input waiting/);
    expect(await h.aggregates(0, 1, 0)).toHaveLength(0); // nothing closed while A's records wait
    // A's own February record, behind the same open transaction: once everything is read,
    // January closes for both (a stopped feed alone closes nothing early).
    await h.send([record(h, a1, '2020-02-04T10:00:00Z', 1)]);

    const aggregates = (await h.aggregates(2, 60_000)).map(parse);
    expect(aggregates.map((x) => [x.agreementId, x.month, x.type, x.totalRecordedBytes]).sort()).toEqual(
      [
        [a.id, 1, 'BILLING_PERIOD_CLOSED', 1300],
        [b.id, 1, 'BILLING_PERIOD_CLOSED', 60],
      ].sort(),
    );
    expect(Date.now() - openedAt).toBeGreaterThan(9_000);
    expect(await h.read('dataRecordsLate', 0, 2000, 500)).toHaveLength(0);
    expect(await rows(h, a.id, 1)).toEqual(['300', '400', '600']);
    // And readiness recovers: nothing waits any more.
    const until = Date.now() + 30_000;
    while ((await h.httpGet('/health/ready')).status !== 200 && Date.now() < until) await new Promise((r) => setTimeout(r, 500));
    expect((await h.httpGet('/health/ready')).status).toBe(200);
  });
});
