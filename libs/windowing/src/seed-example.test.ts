// The original README's example (fixtures copied from shared/fixtures/seed-example).
import { readFileSync } from 'node:fs';
import { agreementCodec, aggregateCodec, internalRecordId, parseDataRecordLine } from '@mobilecs/domain';
import { describe, expect, it } from 'vitest';
import { UsageHarness } from './testing/harness';

const fixture = (name: string): string => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
const nonEmptyLines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

interface Expected {
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

describe('seed example: one agreement, 31 daily records from 2 January 2020', () => {
  const agreementLine = nonEmptyLines(fixture('agreements.jsonl'))[0] ?? '';
  const lines = nonEmptyLines(fixture('idr_000_2020-01-02_1349856c-14bb-33a0-ae31-b3df49201961.csv'));
  const expected = nonEmptyLines(fixture('expected-aggregates.jsonl')).map((l) => JSON.parse(l) as Expected);

  function run(): UsageHarness {
    const agreement = agreementCodec.decode(agreementLine);
    if (!agreement.ok) throw agreement.error;
    const h = new UsageHarness({}, { partitions: [0] });
    h.agreement(agreement.value, 0);
    for (const line of lines) h.line(line, 0);
    return h;
  }

  it('has 31 lines and two expected messages', () => {
    expect(lines).toHaveLength(31);
    expect(expected).toHaveLength(2);
  });

  it('emits exactly the two expected aggregates, in order, with Kafka key and timestamp', () => {
    const h = run();
    const outputs = h.aggregateOutputs();
    expect(outputs).toHaveLength(2);
    outputs.forEach((out, i) => {
      const want = expected[i];
      if (!want) throw new Error('missing expectation');
      const line = lines.find((l) => l.startsWith(want.externalId));
      const parsed = parseDataRecordLine(line ?? '');
      if (!parsed.ok) throw parsed.error;
      const wire = aggregateCodec.toJson(out.aggregate);
      expect(out.key).toBe(want.agreementId);
      expect(out.timestampMs).toBe(want.createTime);
      expect(wire).toEqual({
        agreementId: want.agreementId,
        year: want.year,
        month: want.month,
        latestRecordedAt: new Date(want.latestRecordedAt).toISOString(),
        latestInternalRecordId: internalRecordId(parsed.value),
        totalRecordedBytes: want.totalRecordedBytes,
        billingPeriodTimeZone: want.billingPeriodTimeZone,
        maxBytesInBillingPeriod: want.maxBytesInBillingPeriod,
        type: want.type,
      });
    });
    expect(aggregateCodec.encode(outputs[1]!.aggregate)).toBe(
      '{"agreementId":"0b12c601-9287-3f5c-a78c-df508fe0f889","year":2020,"month":1,"latestRecordedAt":"2020-01-30T23:00:00.000Z",' +
        `"latestInternalRecordId":"${outputs[1]!.aggregate.latestInternalRecordId}","totalRecordedBytes":13559994361,` +
        '"billingPeriodTimeZone":"Europe/Warsaw","maxBytesInBillingPeriod":5368709120,"type":"BILLING_PERIOD_CLOSED"}',
    );
  });

  it('stores all 31 records: 30 in January, the 1 February record in February', () => {
    const records = run().dataRecords();
    expect(records).toHaveLength(31);
    expect(records.filter((r) => r.month === 1)).toHaveLength(30);
    expect(records.filter((r) => r.month === 2).map((r) => r.recordedBytes)).toEqual([253703631n]);
  });

  it('keeps the February window open (no message), with no late or dead-lettered records', () => {
    const h = run();
    expect(h.aggregates().filter((a) => a.month === 2)).toEqual([]);
    expect(h.late()).toEqual([]);
    expect(h.deadLetters()).toEqual([]);
    expect(h.processor.currentWatermark()).toBe(1580511599999);
  });

  it('gives the same messages after a restart from snapshot or changelog in the middle', () => {
    for (const restart of ['snapshot', 'changelog'] as const) {
      const agreement = agreementCodec.decode(agreementLine);
      if (!agreement.ok) throw agreement.error;
      const h = new UsageHarness({}, { partitions: [0] });
      h.agreement(agreement.value, 0);
      lines.forEach((line, i) => {
        if (i === 15) {
          if (restart === 'snapshot') h.restartFromSnapshot();
          else h.restartFromChangelog();
        }
        h.line(line, 0);
      });
      expect(h.aggregates().map((a) => a.totalRecordedBytes)).toEqual([5697948758n, 13559994361n]);
    }
  });
});
