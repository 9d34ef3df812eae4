import { defaultTopicNames } from '@mobilecs/platform';
import type { UsageOutput } from '@mobilecs/windowing';
import { UsageHarness } from '@mobilecs/windowing/testing';
import { describe, expect, it } from 'vitest';
import { routeOutputs, type RoutingContext } from './output-routing';

const ctx: RoutingContext = { topics: defaultTopicNames, changelogTopic: 'changelog', rejectedAt: new Date('2026-12-04T00:00:00Z') };
const M = '48500000001';
const AGREEMENT = {
  id: '00000000-0000-3000-8000-000000000001',
  msisdn: M,
  signedAt: Date.parse('2019-12-01T00:00:00Z'),
  serviceStartAt: Date.parse('2019-12-15T00:00:00Z'),
  billingPeriodTimeZone: 'UTC',
  maxBytesInBillingPeriod: 100n,
};
const rec = (at: string, bytes: bigint, n: number) => ({
  externalId: `00000000-0000-4000-8000-00000000000${n}`,
  recordedAt: Date.parse(at),
  msisdn: M,
  recordedBytes: bytes,
  internalId: `00000000-0000-5000-8000-00000000000${n}`,
  source: { file: 'a.csv', line: n },
});

function run(): { outputs: UsageOutput[]; h: UsageHarness } {
  const h = new UsageHarness({}, { partitions: [0, 1] });
  h.agreement(AGREEMENT, 1);
  h.record(rec('2020-01-02T00:00:00Z', 150n, 1), 1);
  h.record(rec('2020-01-02T00:00:00Z', 150n, 1), 1); // a copy
  h.advanceWatermarkTo(Date.parse('2020-03-01T00:00:00Z'));
  h.record(rec('2020-01-03T00:00:00Z', 1n, 2), 1); // late
  return { outputs: h.outputs, h };
}

describe('routeOutputs', () => {
  it('rows for data records; aggregates, late records, copies and changelog entries by the partition that owns them', () => {
    const { outputs, h } = run();
    const routed = routeOutputs(ctx, outputs, [], h.changelog, 1);
    expect(routed.rows.map((r) => [Number(r.record.recordedBytes), r.arrival?.offset, r.arrival?.source?.line])).toEqual([
      [150, '0', 1],
      [1, undefined, undefined], // late: stored without an arrival (counted by no window)
    ]);
    // Partition 0 has only its watermark progress to write (the watermark moved for it too).
    expect([...routed.byPartition.keys()]).toEqual([0, 1]);
    expect(routed.byPartition.get(0)!.map((m) => [m.topic, m.key])).toEqual([['changelog', 'partition:0']]);
    const topics = [...routed.byPartition.values()].flat().map((m) => m.topic);
    expect(topics.filter((t) => t === 'data-records-aggregates')).toHaveLength(2);
    expect(topics.filter((t) => t === 'data-records-late')).toHaveLength(1);
    expect(topics.filter((t) => t === 'dead-letters')).toHaveLength(1);
    expect(topics.filter((t) => t === 'changelog').length).toBe(h.changelog.length);
    expect(routed.counts).toMatchObject({ matched: 2, late: 1, duplicates: 1, aggregates: { DATA_PLAN_EXCEEDED: 1, BILLING_PERIOD_CLOSED: 1 } });

    const copy = JSON.parse(routed.byPartition.get(1)!.find((m) => m.topic === 'dead-letters')!.value as string) as Record<string, unknown>;
    expect(copy).toMatchObject({
      reason: 'duplicate-record',
      source: { topic: 'incoming-data-records', partition: 1, offset: '1', file: 'a.csv', line: 1 },
      // Found at the window's latest instant, without the store: the first copy's position only.
      first: { topic: 'incoming-data-records', partition: 1, offset: '0' },
      rejectedAt: '2026-12-04T00:00:00.000Z',
    });
    expect(copy.message).toContain('from incoming-data-records/1@0; this copy came from a.csv:1 (incoming-data-records/1@1)');
  });

  it('the input partition gets a transaction even with nothing to send; input dead letters go to it', () => {
    const dead = { topic: 'dead-letters', key: 'agreements', value: '{}' };
    const routed = routeOutputs(ctx, [], [dead], [], 2);
    expect([...routed.byPartition]).toEqual([[2, [dead]]]);
    expect(routeOutputs(ctx, [], [], [], 0).byPartition.get(0)).toEqual([]);
    // A tick (no input partition) with nothing to do: no transaction at all.
    expect(routeOutputs(ctx, [], [dead], [], undefined).byPartition.size).toBe(0);
  });

  it('a dead letter of a held record carries its input offset', () => {
    const h = new UsageHarness({ maxHoldMs: 1000 }, { partitions: [0] });
    h.record(rec('2020-01-02T00:00:00Z', 1n, 1), 0, 41n);
    h.advanceWatermarkTo(Date.parse('2020-02-01T00:00:00Z'));
    const routed = routeOutputs(ctx, h.outputs, [], [], 0);
    const letter = JSON.parse(routed.byPartition.get(0)![0]!.value as string) as Record<string, unknown>;
    expect(letter).toMatchObject({ reason: 'hold-expired', source: { topic: 'incoming-data-records', partition: 0, offset: '41' } });
    expect(routed.counts.deadLetters).toEqual({ 'hold-expired': 1 });
  });
});
