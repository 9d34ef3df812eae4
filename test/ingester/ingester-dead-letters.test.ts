// Bad input never stops the ingester (../shared/spec/system.md §2, §4): every message that
// cannot be parsed or validated, on either input topic, goes to the dead-letter topic with
// the original payload, where it came from and a reason; the good messages around it are
// processed; the service stays up. Records that wait too long or too many for an agreement
// go to dead letters too, never silently away.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agreement, ImportedRecord } from '@mobilecs/domain';
import type { IncomingMessage, OutgoingMessage } from '@mobilecs/platform';
import { IngesterHarness } from './ingester-harness';

const utc = (iso: string): number => Date.parse(iso);

function record(msisdn: string, iso: string, recordedBytes: number): ImportedRecord {
  return { externalId: randomUUID(), recordedAt: utc(iso), msisdn, recordedBytes: BigInt(recordedBytes), internalId: randomUUID() };
}

function parse(m: IncomingMessage): Record<string, unknown> {
  return JSON.parse(m.value?.toString('utf8') ?? 'null') as Record<string, unknown>;
}


describe('ingester dead letters (real Kafka + Cassandra)', () => {
  let h: IngesterHarness | undefined;
  afterEach(async () => {
    await h?.cleanUp();
    h = undefined;
  });

  it('malformed and invalid messages on both input topics go to dead letters with source and reason; good ones around them are processed; the service stays up', async () => {
    h = new IngesterHarness(3);
    await h.createTopics();
    const [msisdn] = h.msisdnsOn([1], 48_500_000_000) as [string];
    const partition = h.partitionOf(msisdn);
    const good: Agreement = {
      id: randomUUID(),
      msisdn,
      signedAt: utc('2019-12-01T00:00:00Z'),
      serviceStartAt: utc('2019-12-15T00:00:00Z'),
      billingPeriodTimeZone: 'Europe/Warsaw',
      maxBytesInBillingPeriod: 1000n,
    };
    const goodWire = JSON.parse(h.agreementMessage(good).value as string) as Record<string, unknown>;
    const aTopic = h.topics.agreements;
    const rTopic = h.topics.incomingDataRecords;
    const raw = (topic: string, value: string | null): OutgoingMessage => ({ topic, key: msisdn, value });
    const badAgreements: { value: string | null; reason: string; mentions: string }[] = [
      { value: '{"id":"3f1c', reason: 'malformed-json', mentions: 'JSON' },
      { value: JSON.stringify({ ...goodWire, id: 'not-a-uuid' }), reason: 'invalid-message', mentions: 'id' },
      { value: JSON.stringify({ ...goodWire, maxBytesInBillingPeriod: -1 }), reason: 'invalid-message', mentions: 'maxBytesInBillingPeriod' },
      { value: JSON.stringify({ ...goodWire, signedAt: '2020-13-45T25:61:00Z' }), reason: 'invalid-message', mentions: 'signedAt' },
      { value: JSON.stringify({ ...goodWire, billingPeriodTimeZone: 'Mars/Olympus_Mons' }), reason: 'invalid-message', mentions: 'billingPeriodTimeZone' },
    ];
    const jan10 = record(msisdn, '2020-01-10T10:00:00Z', 600);
    const jan20 = record(msisdn, '2020-01-20T10:00:00Z', 500);
    const feb05 = record(msisdn, '2020-02-05T10:00:00Z', 1);
    const wire = (r: ImportedRecord) => JSON.parse(h!.recordMessage(r).value as string) as Record<string, unknown>;
    const template = wire(record(msisdn, '2020-01-15T10:00:00Z', 5));
    const badRecords: { value: string | null; reason: string; mentions: string }[] = [
      { value: 'this is not json', reason: 'malformed-json', mentions: 'JSON' },
      { value: JSON.stringify({ ...template, internalId: 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz' }), reason: 'invalid-message', mentions: 'internalId' },
      { value: JSON.stringify({ ...template, recordedBytes: -5 }), reason: 'invalid-message', mentions: 'recordedBytes' },
      { value: JSON.stringify({ ...template, recordedAt: 'yesterday at noon' }), reason: 'invalid-message', mentions: 'recordedAt' },
      { value: JSON.stringify({ ...template, recordedBytes: 1.5 }), reason: 'invalid-message', mentions: 'recordedBytes' },
      { value: JSON.stringify([1, 2, 3]), reason: 'invalid-message', mentions: '' },
    ];

    await h.start();
    // bad messages before, between and after the good ones, on the good ones' partition
    const [b0, b1, b2, b3, b4] = badAgreements.map((b) => raw(aTopic, b.value)) as [OutgoingMessage, OutgoingMessage, OutgoingMessage, OutgoingMessage, OutgoingMessage];
    await h.send([b0, b1, h.agreementMessage(good), b2, b3, b4]);
    await h.waitForMetric('ingester_messages_in_total', 6, { topic: 'agreements' });
    const [r0, r1, r2, r3, r4, r5] = badRecords.map((b) => raw(rTopic, b.value)) as [OutgoingMessage, OutgoingMessage, OutgoingMessage, OutgoingMessage, OutgoingMessage, OutgoingMessage];
    await h.send([r0, h.recordMessage(jan10), r1, r2, h.recordMessage(jan20), r3, r4, r5, h.recordMessage(feb05)]);

    // the good messages are processed: both aggregates of January appear
    const aggregates = await h.aggregates(2, 60_000, 1000);
    expect(aggregates.map(parse)).toEqual([
      expect.objectContaining({ agreementId: good.id, year: 2020, month: 1, type: 'DATA_PLAN_EXCEEDED', totalRecordedBytes: 1100, latestInternalRecordId: jan20.internalId }),
      expect.objectContaining({ agreementId: good.id, year: 2020, month: 1, type: 'BILLING_PERIOD_CLOSED', totalRecordedBytes: 1100, latestInternalRecordId: jan20.internalId }),
    ]);

    // every bad message is on the dead-letter topic once, with its source, reason and payload
    const expectedCount = badAgreements.length + badRecords.length;
    const dead = await h.read('deadLetters', expectedCount, 30_000, 2000);
    expect(dead).toHaveLength(expectedCount);
    const inputs = [...(await h.read('agreements', 6, 30_000, 200)), ...(await h.read('incomingDataRecords', 9, 30_000, 200))];
    for (const [topic, bad] of [
      [aTopic, badAgreements],
      [rTopic, badRecords],
    ] as const) {
      for (const b of bad) {
        const source = inputs.find((m) => m.topic === topic && (m.value?.toString('utf8') ?? null) === b.value);
        expect(source, `input ${b.value}`).toBeDefined();
        const letters = dead.filter((d) => parse(d).raw === b.value && (parse(d).source as { topic?: string }).topic === topic);
        expect(letters, `dead letters of ${b.value}`).toHaveLength(1);
        const d = letters[0]!;
        expect(d.key).toBe(topic);
        const v = parse(d);
        expect(v.source).toEqual({ topic, partition, offset: source!.offset.toString() });
        expect(v.reason).toBe(b.reason);
        expect(typeof v.message).toBe('string');
        expect(v.message).toContain(b.mentions);
      }
    }
    expect(await h.metric('ingester_dead_letters_total')).toBe(expectedCount);

    // the good records are stored, the bad ones are not
    const c = await h.cassandra();
    try {
      const rs = await c.execute(`SELECT internal_record_id, recorded_bytes FROM ${h.keyspace}.data_record WHERE agreement_id = ? AND year = 2020 AND month = 1`, [good.id], { prepare: true });
      expect(rs.rows.map((r) => String(r.get('internal_record_id'))).sort()).toEqual([jan10.internalId, jan20.internalId].sort());
    } finally {
      await c.shutdown();
    }

    // and the ingester is still alive and ready, and keeps processing
    const live = await h.httpGet('/health/live');
    expect(live.status).toBe(200);
    expect(JSON.parse(live.body)).toEqual({ status: 'UP' });
    expect((await h.httpGet('/health/ready')).status).toBe(200);
    await h.send([raw(rTopic, '{'), h.recordMessage(record(msisdn, '2020-03-01T10:00:00Z', 1))]);
    expect(await h.aggregates(3, 60_000, 1000)).toHaveLength(3); // February closed
    expect(await h.read('deadLetters', expectedCount + 1, 30_000, 500)).toHaveLength(expectedCount + 1);
    expect((await h.httpGet('/health/live')).status).toBe(200);
  });

  it('records without an agreement: held up to the count limit (overflow), and until their event-time age expires, then dead letters', async () => {
    h = new IngesterHarness(3, { INGESTER_MAX_HELD_RECORDS_PER_MSISDN: '2', INGESTER_MAX_HOLD_MS: String(35 * 86_400_000) });
    await h.createTopics();
    const [orphan, other] = h.msisdnsOn([0, 0], 48_500_000_000) as [string, string];
    const partition = h.partitionOf(orphan);
    const agreement: Agreement = {
      id: randomUUID(),
      msisdn: other,
      signedAt: utc('2019-11-01T00:00:00Z'),
      serviceStartAt: utc('2019-12-01T00:00:00Z'),
      billingPeriodTimeZone: 'Europe/Warsaw',
      maxBytesInBillingPeriod: 10n ** 12n,
    };
    await h.start();
    await h.send([h.agreementMessage(agreement)]);
    await h.waitForMetric('ingester_messages_in_total', 1, { topic: 'agreements' });
    const held = [record(orphan, '2020-01-01T00:00:00Z', 1), record(orphan, '2020-01-02T00:00:00Z', 2), record(orphan, '2020-01-03T00:00:00Z', 3)];
    await h.send(held.map((r) => h!.recordMessage(r)));
    await h.waitForMetric('ingester_messages_in_total', 3, { topic: 'incoming-data-records' });
    // 3 records held with a limit of 2: the oldest overflows
    const overflow = await h.read('deadLetters', 1, 30_000, 1000);
    expect(overflow).toHaveLength(1);
    expect(parse(overflow[0]!)).toMatchObject({ reason: 'hold-overflow', record: { internalId: held[0]!.internalId } });

    // another msisdn's record moves event time past 3 January + 35 days: the others expire
    await h.send([h.recordMessage(record(other, '2020-02-08T00:00:00Z', 10))]);
    const dead = await h.read('deadLetters', 3, 30_000, 2000);
    expect(dead).toHaveLength(3);
    const byId = new Map(dead.map((d) => [(parse(d).record as { internalId: string }).internalId, d]));
    for (const [r, reason] of [
      [held[0]!, 'hold-overflow'],
      [held[1]!, 'hold-expired'],
      [held[2]!, 'hold-expired'],
    ] as const) {
      const d = byId.get(r.internalId);
      expect(d?.key).toBe(h.topics.incomingDataRecords);
      const v = parse(d!);
      expect(v).toMatchObject({ reason, record: { internalId: r.internalId, msisdn: orphan, recordedBytes: Number(r.recordedBytes) } });
      expect(v.source).toMatchObject({ topic: h.topics.incomingDataRecords, partition });
      expect(typeof v.message).toBe('string');
    }
    expect(await h.metric('ingester_dead_letters_total', { reason: 'hold-overflow' })).toBe(1);
    expect(await h.metric('ingester_dead_letters_total', { reason: 'hold-expired' })).toBe(2);
    await new Promise((r) => setTimeout(r, 600)); // the gauge is refreshed by the tick
    expect(await h.metric('ingester_msisdns_holding_records')).toBe(0);
    expect((await h.httpGet('/health/live')).status).toBe(200);
  });
});
