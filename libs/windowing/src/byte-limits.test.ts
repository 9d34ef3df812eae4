// Issue #12: window totals are exact up to 2^63 − 1, and a record that would take a total
// past it is a dead letter ('total-overflow') that leaves the window as it was.
import { MAX_BYTE_COUNT, parseExact, stringifyExact } from '@mobilecs/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageHarness } from './testing/harness';
import { UsageProcessor } from './processor';
import { testProcessorConfig } from './testing/processor-config';
import { agreement, record } from './testing/test-data';

const M = '48500000001';
const OTHER = '48500000002';
const JAN_END = Date.parse('2020-02-01T00:00:00+01:00');
const dayOfJanuary = (i: number): number => Date.parse('2020-01-02T00:00:00Z') + (i % 28) * 86_400_000 + i;

describe('byte counts up to 2^63 − 1', () => {
  it('counts 2^62 + (2^62 − 1) = 2^63 − 1 exactly; 1 B more is a total-overflow dead letter, the window unchanged, other subscribers go on', () => {
    const plan = agreement({ msisdn: M, maxBytesInBillingPeriod: MAX_BYTE_COUNT });
    const other = agreement({ msisdn: OTHER, maxBytesInBillingPeriod: 10 });
    const h = new UsageHarness({}, { partitions: [0] });
    h.agreement(plan, 0);
    h.agreement(other, 0);
    h.record(record(M, '2020-01-05T00:00:00Z', 2n ** 62n), 0);
    h.record(record(M, '2020-01-06T00:00:00Z', 2n ** 62n - 1n), 0);
    expect(h.aggregates()).toMatchObject([{ type: 'DATA_PLAN_EXCEEDED', totalRecordedBytes: MAX_BYTE_COUNT, maxBytesInBillingPeriod: MAX_BYTE_COUNT }]);
    const key = `${plan.id}|2020-1`;
    const before = h.processor.snapshotKey(key);
    expect(before).toMatchObject({ totalBytes: MAX_BYTE_COUNT });

    const one = record(M, '2020-01-07T00:00:00Z', 1);
    const out = h.record(one, 0);
    expect(out).toEqual([
      {
        kind: 'dead-letter',
        partition: 0,
        reason: 'total-overflow',
        record: { ...one, offset: '2' }, // with the input offset it arrived at
        message:
          `record ${one.internalId} of 1 B not counted: billing period 2020-1 (Europe/Warsaw) of agreement ${plan.id} ` +
          'already totals 9223372036854775807 B, and 9223372036854775807 + 1 would exceed 9223372036854775807 B (2^63 − 1)',
      },
    ]);
    expect(h.processor.snapshotKey(key)).toEqual(before);
    expect(h.dataRecords()).toHaveLength(2); // not stored either

    // The partition goes on: the other subscriber is billed, and a 0 B record still fits.
    h.record(record(OTHER, '2020-01-08T00:00:00Z', 10), 0);
    h.record(record(M, '2020-01-09T00:00:00Z', 0), 0);
    h.advanceWatermarkTo(JAN_END);
    expect(h.aggregates().map((a) => [a.agreementId, a.type, a.totalRecordedBytes])).toEqual([
      [plan.id, 'DATA_PLAN_EXCEEDED', MAX_BYTE_COUNT],
      [other.id, 'DATA_PLAN_EXCEEDED', 10n],
      [plan.id, 'BILLING_PERIOD_CLOSED', MAX_BYTE_COUNT],
      [other.id, 'BILLING_PERIOD_CLOSED', 10n],
    ]);
  });

  it("the issue's case: 9007199254740991 B then 1 B more is 9007199254740992, exact, through a restart", () => {
    for (const restart of ['snapshot', 'changelog'] as const) {
      const h = new UsageHarness({}, { partitions: [0] });
      h.agreement(agreement({ msisdn: M, maxBytesInBillingPeriod: MAX_BYTE_COUNT }), 0);
      h.record(record(M, '2020-01-05T00:00:00Z', 9007199254740991n), 0);
      h.record(record(M, '2020-01-06T00:00:00Z', 1), 0);
      if (restart === 'snapshot') h.restartFromSnapshot();
      else h.restartFromChangelog();
      h.record(record(M, '2020-01-07T00:00:00Z', 2), 0);
      h.advanceWatermarkTo(JAN_END);
      expect(h.aggregates().map((a) => a.totalRecordedBytes)).toEqual([9007199254740994n]);
      expect(h.deadLetters()).toEqual([]);
    }
  });

  it('a changelog value round-trips totals beyond 2^53 as exact JSON numbers', () => {
    const p = new UsageProcessor(testProcessorConfig());
    p.onAgreement(agreement({ msisdn: M, maxBytesInBillingPeriod: MAX_BYTE_COUNT }), 0);
    p.onRecord(record(M, '2020-01-05T00:00:00Z', MAX_BYTE_COUNT - 5n), 0, 0);
    const window = p.drainChanges().find((c) => c.value?.kind === 'window');
    const text = stringifyExact(window?.value);
    expect(text).toContain('"maxBytes":9223372036854775807,');
    expect(text).toContain('"totalBytes":9223372036854775802,');
    const q = new UsageProcessor(testProcessorConfig());
    expect(q.restoreKey(window!.key, parseExact(text)).ok).toBe(true);
    expect(q.openWindows(agreement({ msisdn: M }).id).map((w) => w.totalBytes)).toEqual([MAX_BYTE_COUNT - 5n]);
    // Beyond the limit a stored value is refused, not restored wrongly.
    expect(q.restoreKey(window!.key, parseExact(text.replace('9223372036854775802', '9223372036854775808'))).ok).toBe(false);
  });
});

describe('byte counts, properties', () => {
  // Sizes spread over every magnitude, so that sums reach and pass 2^63 − 1.
  const bytesArb = fc.oneof(
    fc.bigInt({ min: 0n, max: 1000n }),
    fc.bigInt({ min: 0n, max: 2n ** 53n + 10n }),
    fc.bigInt({ min: 2n ** 60n, max: MAX_BYTE_COUNT }),
    fc.constantFrom(0n, 1n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 62n, MAX_BYTE_COUNT),
  );

  it('a window total is the exact sum of the records counted, for any sequence up to the limit', () => {
    fc.assert(
      fc.property(fc.array(bytesArb, { maxLength: 30 }), fc.bigInt({ min: 1n, max: MAX_BYTE_COUNT }), (sizes, plan) => {
        // Scale the sequence down so that it fits: every prefix sum stays ≤ 2^63 − 1.
        const fitted: bigint[] = [];
        let sum = 0n;
        for (const b of sizes) {
          const take = b <= MAX_BYTE_COUNT - sum ? b : MAX_BYTE_COUNT - sum;
          fitted.push(take);
          sum += take;
        }
        const h = new UsageHarness({}, { partitions: [0] });
        h.agreement(agreement({ msisdn: M, maxBytesInBillingPeriod: plan }), 0);
        fitted.forEach((b, i) => h.record(record(M, dayOfJanuary(i), b, i + 1), 0));
        h.advanceWatermarkTo(JAN_END);
        expect(h.deadLetters()).toEqual([]);
        const closed = h.aggregates().filter((a) => a.type === 'BILLING_PERIOD_CLOSED');
        expect(closed.map((a) => a.totalRecordedBytes)).toEqual(fitted.length > 0 ? [sum] : []);
        const exceeded = h.aggregates().find((a) => a.type === 'DATA_PLAN_EXCEEDED');
        // DATA_PLAN_EXCEEDED at the first prefix sum reaching the plan, carrying that sum.
        let prefix = 0n;
        let expected: bigint | undefined;
        for (const b of fitted) {
          prefix += b;
          if (prefix >= plan) {
            expected = prefix;
            break;
          }
        }
        expect(exceeded?.totalRecordedBytes).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('a record that would pass 2^63 − 1 is a dead letter and leaves the state unchanged; later records that fit are counted', () => {
    fc.assert(
      fc.property(fc.array(bytesArb, { minLength: 1, maxLength: 20 }), fc.constantFrom('snapshot', 'changelog', 'none'), (sizes, restart) => {
        const h = new UsageHarness({}, { partitions: [0] });
        const a = agreement({ msisdn: M, maxBytesInBillingPeriod: MAX_BYTE_COUNT });
        h.agreement(a, 0);
        const key = `${a.id}|2020-1`;
        let total = 0n;
        const refused: bigint[] = [];
        sizes.forEach((b, i) => {
          if (i === Math.floor(sizes.length / 2) && restart !== 'none') {
            if (restart === 'snapshot') h.restartFromSnapshot();
            else h.restartFromChangelog();
          }
          const before = stringifyExact(h.processor.snapshotKey(key));
          const out = h.record(record(M, dayOfJanuary(i), b, i + 1), 0);
          if (total + b > MAX_BYTE_COUNT) {
            refused.push(b);
            expect(out.map((o) => (o.kind === 'dead-letter' ? o.reason : o.kind))).toEqual(['total-overflow']);
            expect(stringifyExact(h.processor.snapshotKey(key))).toBe(before);
          } else {
            total += b;
            expect(out[0]?.kind).toBe('data-record');
          }
        });
        h.advanceWatermarkTo(JAN_END);
        expect(h.deadLetters().map((d) => d.record.recordedBytes)).toEqual(refused);
        expect(h.dataRecords()).toHaveLength(sizes.length - refused.length);
        expect(h.aggregates().filter((x) => x.type === 'BILLING_PERIOD_CLOSED').map((x) => x.totalRecordedBytes)).toEqual([total]);
      }),
      { numRuns: 200 },
    );
  });
});
