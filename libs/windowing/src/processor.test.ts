import { describe, expect, it } from 'vitest';
import { agreementCodec } from '@mobilecs/domain';
import { UsageHarness } from './testing/harness';
import { UsageProcessor } from './processor';
import { testProcessorConfig } from './testing/processor-config';
import { agreement, record } from './testing/test-data';

const M = '48500000001';
const WARSAW_JAN_END = Date.parse('2020-02-01T00:00:00+01:00');

describe('window triggers', () => {
  it('emits DATA_PLAN_EXCEEDED once, at the first record reaching the plan, with the total at that moment', () => {
    const h = new UsageHarness();
    h.agreement(agreement({ msisdn: M, maxBytesInBillingPeriod: 100 }));
    h.record(record(M, '2020-01-05T00:00:00Z', 60));
    expect(h.aggregates()).toEqual([]);
    h.record(record(M, '2020-01-06T00:00:00Z', 40)); // total 100 = max: reached
    h.record(record(M, '2020-01-07T00:00:00Z', 40));
    expect(h.aggregates().map((a) => [a.type, a.totalRecordedBytes])).toEqual([['DATA_PLAN_EXCEEDED', 100n]]);
    expect(h.aggregateOutputs()[0]?.timestampMs).toBe(WARSAW_JAN_END - 1);
  });

  it('emits BILLING_PERIOD_CLOSED once when the watermark reaches end − 1 ms, then frees the state', () => {
    const h = new UsageHarness();
    h.agreement(agreement({ msisdn: M }));
    h.record(record(M, '2020-01-05T00:00:00Z', 5));
    h.record(record(M, WARSAW_JAN_END - 1, 5)); // watermark = end − 2: still open
    expect(h.aggregates()).toEqual([]);
    h.record(record(M, WARSAW_JAN_END, 5)); // watermark = end − 1: closes January
    expect(h.aggregates()).toMatchObject([{ type: 'BILLING_PERIOD_CLOSED', month: 1, totalRecordedBytes: 10n }]);
    expect(h.processor.snapshotKey(`${agreement({ msisdn: M }).id}|2020-1`)).toBeNull();
    h.advanceWatermarkTo(WARSAW_JAN_END + 10);
    expect(h.aggregates()).toHaveLength(1);
  });

  it('latest record is the max recordedAt; on a tie the later arrival wins', () => {
    const h = new UsageHarness();
    h.agreement(agreement({ msisdn: M }));
    const a = record(M, '2020-01-10T00:00:00Z', 1);
    const b = record(M, '2020-01-09T00:00:00Z', 1);
    const c = record(M, '2020-01-10T00:00:00Z', 1);
    h.record(a);
    h.record(b);
    h.record(c);
    h.advanceWatermarkTo(WARSAW_JAN_END);
    expect(h.aggregates()[0]).toMatchObject({ latestRecordedAt: a.recordedAt, latestInternalRecordId: c.internalId, totalRecordedBytes: 3n });
  });

  it('reports a late record (window already closed): stored, not counted, on the late output', () => {
    const h = new UsageHarness();
    h.agreement(agreement({ msisdn: M }));
    h.record(record(M, '2020-01-10T00:00:00Z', 7));
    h.record(record(M, '2020-02-02T00:00:00Z', 1));
    const late = record(M, '2020-01-20T00:00:00Z', 1000);
    const out = h.record(late);
    expect(out.map((o) => o.kind)).toEqual(['data-record', 'late']);
    expect(h.late()[0]).toMatchObject({ key: agreement({ msisdn: M }).id, record: { month: 1, recordedBytes: 1000n } });
    expect(h.late()[0]?.message).toContain('already closed');
    expect(h.aggregates()).toMatchObject([{ type: 'BILLING_PERIOD_CLOSED', totalRecordedBytes: 7n }]);
  });

  it('allowed lateness keeps the window open longer, then closes it once', () => {
    const h = new UsageHarness({ allowedLatenessMs: 2 * 86_400_000 });
    h.agreement(agreement({ msisdn: M }));
    h.record(record(M, '2020-01-10T00:00:00Z', 7));
    h.record(record(M, '2020-02-02T00:00:00Z', 1)); // past the end, within lateness
    h.record(record(M, '2020-01-20T00:00:00Z', 3)); // counted
    expect(h.aggregates()).toEqual([]);
    h.record(record(M, '2020-02-03T00:00:00Z', 1)); // watermark = end − 1 + 2 days: closes
    expect(h.aggregates()).toMatchObject([{ type: 'BILLING_PERIOD_CLOSED', month: 1, totalRecordedBytes: 10n }]);
    h.record(record(M, '2020-01-21T00:00:00Z', 3));
    expect(h.late()).toHaveLength(1);
  });

  it('out-of-orderness bound delays the watermark', () => {
    const h = new UsageHarness({ outOfOrdernessMs: 3_600_000 });
    h.agreement(agreement({ msisdn: M }));
    h.record(record(M, '2020-01-31T12:00:00Z', 1));
    h.record(record(M, WARSAW_JAN_END + 1_000, 1));
    h.record(record(M, '2020-01-31T22:30:00Z', 1)); // 30 min out of order: still counted
    expect(h.late()).toEqual([]);
    h.record(record(M, WARSAW_JAN_END + 3_600_000, 1));
    expect(h.aggregates()).toMatchObject([{ totalRecordedBytes: 2n }]);
  });
});

describe('watermark across partitions', () => {
  it('is the minimum over partitions; an idle partition does not hold it back', () => {
    const other = '48500000002';
    const h = new UsageHarness({ idleTimeoutMs: 1_000 }, { partitions: [0, 1] });
    h.agreement(agreement({ msisdn: M }), 0);
    h.agreement(agreement({ msisdn: other }), 1);
    h.record(record(M, '2020-01-10T00:00:00Z', 1), 0);
    h.record(record(other, '2020-01-05T00:00:00Z', 1), 1);
    h.record(record(M, '2020-02-10T00:00:00Z', 1), 0);
    expect(h.processor.currentWatermark()).toBe(Date.parse('2020-01-05T00:00:00Z') - 1);
    expect(h.aggregates()).toEqual([]);
    h.setCaughtUp(1);
    expect(h.advanceWallClock(500)).toEqual([]); // quiet, but not for long enough
    const fired = h.advanceWallClock(600);
    expect(fired.map((o) => o.kind === 'aggregate' && o.aggregate.agreementId)).toEqual([agreement({ msisdn: M }).id, agreement({ msisdn: other }).id]);
    expect(h.processor.isIdle(1, h.wallTimeMs)).toBe(true);
  });

  it('an assigned partition that is not caught up and has no records holds the watermark back', () => {
    const h = new UsageHarness({}, { partitions: [0, 1] });
    h.agreement(agreement({ msisdn: M }), 0);
    h.record(record(M, '2020-02-10T00:00:00Z', 1), 0);
    expect(h.processor.currentWatermark()).toBeNull();
    h.setCaughtUp(1);
    h.advanceWallClock(1);
    expect(h.processor.currentWatermark()).toBe(Date.parse('2020-02-10T00:00:00Z') - 1);
  });

  it('revoking a partition drops its state; restoring from the changelog brings it back', () => {
    const h = new UsageHarness({}, { partitions: [0, 1] });
    h.agreement(agreement({ msisdn: M }), 0);
    h.record(record(M, '2020-01-10T00:00:00Z', 5), 0);
    const changelog = [...h.changelog];
    h.processor.revokePartitions([0]);
    expect(h.processor.snapshotKey(M)).toBeNull();
    expect(h.processor.assignedPartitions()).toEqual([1]);
    const fresh = new UsageProcessor(testProcessorConfig());
    for (const c of changelog.filter((x) => x.partition === 0)) expect(fresh.restoreKey(c.key, c.value).ok).toBe(true);
    expect(fresh.snapshotKey(M)).toMatchObject({ kind: 'matching', partition: 0 });
    expect(fresh.advanceWatermarkTo(WARSAW_JAN_END)).toMatchObject([{ kind: 'aggregate', aggregate: { totalRecordedBytes: 5n } }]);
  });

  it('a restored partition remembers how far its windows were closed, even if other partitions lag', () => {
    const h = new UsageHarness({}, { partitions: [0] });
    h.agreement(agreement({ msisdn: M }), 0);
    h.record(record(M, '2020-01-10T00:00:00Z', 5), 0);
    h.record(record(M, '2020-02-10T00:00:00Z', 5), 0); // closes January
    const fresh = new UsageProcessor(testProcessorConfig());
    fresh.assignPartitions([0, 1]); // partition 1 has nothing yet: watermark would be null
    for (const c of h.changelog) fresh.restoreKey(c.key, c.value);
    const out = fresh.onRecord(record(M, '2020-01-20T00:00:00Z', 5), 0, 0);
    expect(out.map((o) => o.kind)).toEqual(['data-record', 'late']);
  });
});

describe('wall-clock close policy', () => {
  const policy = { wallClockClose: { graceMs: 60_000, idleMs: 10_000 } };

  it('is off by default: a month stays open while the feed is quiet', () => {
    const h = new UsageHarness({}, { wallTimeMs: WARSAW_JAN_END });
    h.agreement(agreement({ msisdn: M }));
    h.record(record(M, '2020-01-10T00:00:00Z', 5));
    h.setCaughtUp(0);
    h.advanceWallClock(365 * 86_400_000);
    expect(h.aggregates()).toEqual([]);
  });

  it('closes once end + grace is behind the wall clock and the partition is idle; later records are late', () => {
    const h = new UsageHarness(policy, { wallTimeMs: WARSAW_JAN_END - 5_000 });
    h.agreement(agreement({ msisdn: M }));
    h.record(record(M, '2020-01-31T22:59:00Z', 5));
    h.setCaughtUp(0);
    expect(h.advanceWallClock(60_000)).toEqual([]); // end + 55 s: within grace
    expect(h.advanceWallClock(6_000)).toMatchObject([{ kind: 'aggregate', aggregate: { type: 'BILLING_PERIOD_CLOSED', totalRecordedBytes: 5n } }]);
    expect(h.advanceWallClock(60_000)).toEqual([]); // once
    h.record(record(M, '2020-01-31T22:59:30Z', 5));
    expect(h.late()).toHaveLength(1);
    // The marker is dropped once the watermark passes the period.
    h.record(record(M, '2020-02-02T00:00:00Z', 5));
    expect(h.processor.snapshotKey(`${agreement({ msisdn: M }).id}|2020-1`)).toBeNull();
    expect(h.aggregates()).toHaveLength(1);
  });

  it('does not close while the partition is still receiving records', () => {
    const h = new UsageHarness(policy, { wallTimeMs: WARSAW_JAN_END + 120_000 });
    h.agreement(agreement({ msisdn: M }));
    h.record(record(M, '2020-01-31T22:59:00Z', 5));
    h.setCaughtUp(0);
    expect(h.advanceWallClock(5_000)).toEqual([]);
  });
});

describe('matching (system.md §4)', () => {
  const early = agreement({ msisdn: M, id: '00000000-0000-3000-8000-00000000000a', serviceStartAt: Date.parse('2020-01-01T00:00:00Z') });
  const later = agreement({ msisdn: M, id: '00000000-0000-3000-8000-00000000000b', serviceStartAt: Date.parse('2020-01-15T00:00:00Z') });

  it('matches the agreement with the latest serviceStartAt strictly before the record', () => {
    const h = new UsageHarness();
    h.agreement(early);
    h.agreement(later);
    h.record(record(M, '2020-01-10T00:00:00Z', 1));
    h.record(record(M, '2020-01-15T00:00:00Z', 1)); // equal to later's start: not strictly after
    h.record(record(M, '2020-01-15T00:00:00.001Z', 1));
    expect(h.dataRecords().map((r) => r.agreementId)).toEqual([early.id, early.id, later.id]);
  });

  it('breaks serviceStartAt ties by the latest signedAt', () => {
    const h = new UsageHarness();
    const resigned = { ...later, id: '00000000-0000-3000-8000-00000000000c', signedAt: later.signedAt + 1 };
    h.agreement(resigned);
    h.agreement(later);
    h.record(record(M, '2020-01-20T00:00:00Z', 1));
    expect(h.dataRecords()[0]?.agreementId).toBe(resigned.id);
  });

  it('holds unmatched records and releases them in arrival order when the agreement arrives', () => {
    const h = new UsageHarness();
    const r1 = record(M, '2020-01-12T00:00:00Z', 1);
    const r2 = record(M, '2020-01-11T00:00:00Z', 2);
    expect(h.record(r1)).toEqual([]);
    h.record(r2);
    expect(h.processor.snapshotKey(M)).toMatchObject({ kind: 'matching', held: [{ internalId: r1.internalId }, { internalId: r2.internalId }] });
    h.agreement(later); // starts 15 Jan: matches neither
    expect(h.dataRecords()).toEqual([]);
    const out = h.agreement(early);
    expect(out.filter((o) => o.kind === 'data-record').map((o) => o.kind === 'data-record' && o.record.internalRecordId)).toEqual([r1.internalId, r2.internalId]);
    expect(h.processor.snapshotKey(M)).toMatchObject({ held: [] });
  });

  it('sends the oldest held record to dead letters when holding overflows', () => {
    const h = new UsageHarness({ maxHeldRecordsPerMsisdn: 2 });
    const rs = [1, 2, 3].map((d) => record(M, `2020-01-0${d}T00:00:00Z`, d));
    for (const r of rs) h.record(r);
    expect(h.deadLetters()).toMatchObject([{ reason: 'hold-overflow', record: { internalId: rs[0]?.internalId } }]);
    expect(h.deadLetters()[0]?.message).toContain('more than 2 records');
  });

  it('expires held records once the watermark is maxHoldMs past them (event time)', () => {
    const h = new UsageHarness({ maxHoldMs: 86_400_000 });
    const other = '48500000009';
    h.agreement(agreement({ msisdn: other }));
    const waiting = record(M, '2020-01-10T00:00:00Z', 1);
    h.record(waiting);
    h.record(record(other, '2020-01-10T23:00:00Z', 1));
    expect(h.deadLetters()).toEqual([]);
    h.record(record(other, '2020-01-11T00:00:00.001Z', 1)); // watermark = 11 Jan 00:00
    expect(h.deadLetters()).toMatchObject([{ reason: 'hold-expired', record: { internalId: waiting.internalId } }]);
    // A record already that old is dead-lettered on arrival.
    h.record(record(M, '2020-01-01T00:00:00Z', 1));
    expect(h.deadLetters().map((d) => d.reason)).toEqual(['hold-expired', 'hold-expired']);
    expect(h.processor.snapshotKey(M)).toBeNull();
  });

  it('a released record whose window is already closed is late', () => {
    const h = new UsageHarness();
    const other = '48500000009';
    h.agreement(agreement({ msisdn: other }));
    h.record(record(M, '2020-01-10T00:00:00Z', 1));
    h.record(record(other, '2020-02-10T00:00:00Z', 1));
    h.agreement(early);
    expect(h.late()).toHaveLength(1);
  });

  it('a corrected agreement (same id) replaces the old one', () => {
    const h = new UsageHarness();
    h.agreement({ ...early, maxBytesInBillingPeriod: 1_000n });
    h.agreement({ ...early, maxBytesInBillingPeriod: 10n });
    h.record(record(M, '2020-01-10T00:00:00Z', 10));
    expect(h.aggregates()).toMatchObject([{ type: 'DATA_PLAN_EXCEEDED', maxBytesInBillingPeriod: 10n }]);
  });
});

describe('windows across time-zone edge cases', () => {
  function closeOf(zone: string, recordedAt: string) {
    const h = new UsageHarness();
    h.agreement(agreement({ msisdn: M, billingPeriodTimeZone: zone, serviceStartAt: Date.parse('2000-01-01T00:00:00Z') }));
    h.record(record(M, recordedAt, 1));
    h.advanceWatermarkTo(Date.parse('2030-01-01T00:00:00Z'));
    const out = h.aggregateOutputs()[0];
    return { year: out?.aggregate.year, month: out?.aggregate.month, kafkaTimestamp: new Date(out?.timestampMs ?? 0).toISOString(), stored: h.dataRecords()[0]?.month };
  }

  it('Warsaw spring DST (29 March 2020): March closes at 31 March 23:59:59.999 +02:00', () => {
    expect(closeOf('Europe/Warsaw', '2020-03-29T01:30:00Z')).toEqual({ year: 2020, month: 3, kafkaTimestamp: '2020-03-31T21:59:59.999Z', stored: 3 });
  });

  it('Warsaw autumn DST (25 October 2020): the repeated hour is October', () => {
    expect(closeOf('Europe/Warsaw', '2020-10-25T01:30:00Z')).toEqual({ year: 2020, month: 10, kafkaTimestamp: '2020-10-31T22:59:59.999Z', stored: 10 });
  });

  it('leap February 2020 closes on the 29th', () => {
    expect(closeOf('Europe/Warsaw', '2020-02-29T12:00:00Z')).toMatchObject({ month: 2, kafkaTimestamp: '2020-02-29T22:59:59.999Z' });
  });

  it('Asia/Kolkata, Pacific/Apia and America/St_Johns month ends', () => {
    expect(closeOf('Asia/Kolkata', '2020-01-31T18:29:59.999Z')).toMatchObject({ month: 1, kafkaTimestamp: '2020-01-31T18:29:59.999Z' });
    expect(closeOf('Pacific/Apia', '2011-12-30T12:00:00Z')).toMatchObject({ year: 2011, month: 12, kafkaTimestamp: '2011-12-31T09:59:59.999Z' });
    expect(closeOf('America/St_Johns', '2020-01-31T12:00:00Z')).toMatchObject({ month: 1, kafkaTimestamp: '2020-02-01T03:29:59.999Z' });
  });
});

describe('UsageProcessor queries', () => {
  it('lists the open windows of an agreement and counts state', () => {
    const h = new UsageHarness();
    const a = agreementCodec.decode(
      '{"id":"0b12c601-9287-3f5c-a78c-df508fe0f889","msisdn":"48917846822","signedAt":"2019-12-20T00:00+01:00[Europe/Warsaw]","serviceStartAt":"2020-01-01T00:00+01:00[Europe/Warsaw]","billingPeriodTimeZone":"Europe/Warsaw","maxBytesInBillingPeriod":5368709120}',
    );
    if (!a.ok) throw a.error;
    h.agreement(a.value);
    h.line('8aae90a1-c2e7-33e5-9fab-f8f3e1900906;2020-01-02T00:00+01:00[Europe/Warsaw];48917846822;825012938');
    expect(h.processor.openWindows(a.value.id).map((w) => [w.year, w.month, w.totalBytes])).toEqual([[2020, 1, 825012938n]]);
    // A February record moves the watermark past January: January closes, February is open.
    h.line('d368ad26-f79c-32d4-bf23-e9306ba5e302;2020-02-03T00:00+01:00[Europe/Warsaw];48917846822;416128078');
    expect(h.processor.openWindows(a.value.id).map((w) => [w.year, w.month, w.totalBytes])).toEqual([[2020, 2, 416128078n]]);
    expect(h.processor.openWindows('00000000-0000-0000-0000-000000000000')).toEqual([]);
    expect(h.processor.windowCount()).toBe(1);
    expect(h.processor.holdingCount()).toBe(0);
  });
});

describe('UsageProcessor agreement listing (live queries)', () => {
  it('lists every agreement with its newest window, or null without one; finds an agreement by id', () => {
    // Lateness of 40 days keeps January open while February runs: both windows in state.
    const h = new UsageHarness({ allowedLatenessMs: 40 * 86_400_000 });
    const a = agreement({ msisdn: '48500000011', maxBytesInBillingPeriod: 100 });
    const later = { ...agreement({ msisdn: '48500000011' }), id: '00000000-0000-4000-8000-000000000099', serviceStartAt: Date.parse('2020-03-01T00:00:00Z') };
    const b = agreement({ msisdn: '48500000012' });
    h.agreement(a, 1);
    h.agreement(later, 1);
    h.agreement(b, 2);
    h.record(record(a.msisdn, '2020-02-03T00:00:00Z', 7), 1);
    h.record(record(a.msisdn, '2020-01-10T00:00:00Z', 5), 1);
    expect(h.processor.openWindows(a.id)).toHaveLength(2);
    const rows = h.processor
      .agreementsWithNewestWindow()
      .map((r) => [r.agreement.id, r.partition, r.window && [r.window.year, r.window.month, r.window.totalBytes]])
      .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    expect(rows).toEqual(
      [
        [a.id, 1, [2020, 2, 7n]],
        [later.id, 1, null],
        [b.id, 2, null],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    expect(h.processor.agreementById(b.id)).toEqual({ agreement: b, partition: 2 });
    expect(h.processor.agreementById(later.id)?.partition).toBe(1);
    expect(h.processor.agreementById('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    h.processor.revokePartitions([1]);
    expect(h.processor.agreementsWithNewestWindow().map((r) => r.agreement.id)).toEqual([b.id]);
  });
});
