// A record stamped far in the future (a mistyped 2099) must not move event time for
// anybody: it is quarantined, and the watermark never passes wall time + tolerance.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageProcessor } from './processor';
import { testProcessorConfig } from './testing/processor-config';
import { agreement, record } from './testing/test-data';
import { WatermarkTracker } from './watermark';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const HOUR = 3_600_000;

describe('future tolerance', () => {
  it('quarantines a 2099 record as a dead letter; other subscribers on the partition keep their open months', () => {
    const p = new UsageProcessor(testProcessorConfig({ futureToleranceMs: HOUR, idleTimeoutMs: 1000 }));
    p.assignPartitions([0]);
    const a = agreement({ msisdn: '48500000001', maxBytesInBillingPeriod: 1000 });
    const b = agreement({ msisdn: '48500000002', maxBytesInBillingPeriod: 1000 });
    p.onAgreement(a, 0);
    p.onAgreement(b, 0);
    p.onRecord(record(a.msisdn, '2020-01-05T00:00:00Z', 10), 0, NOW);
    const out = p.onRecord(record(b.msisdn, '2099-01-01T09:00:00Z', 1), 0, NOW);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'dead-letter', reason: 'recorded-at-in-future', partition: 0 });
    expect(out[0]?.kind === 'dead-letter' && out[0].message).toContain('2099-01-01T09:00:00.000Z');
    expect(p.currentWatermark()).toBe(Date.parse('2020-01-05T00:00:00Z') - 1);
    // January of subscriber a is still open and counts the next record.
    p.onRecord(record(a.msisdn, '2020-01-06T00:00:00Z', 5), 0, NOW);
    expect(p.openWindows(a.id).map((w) => Number(w.totalBytes))).toEqual([15]);
    expect(p.openWindows(b.id)).toEqual([]);
  });

  it('accepts a record up to exactly wall time + tolerance (the present, not only backfills)', () => {
    const p = new UsageProcessor(testProcessorConfig({ futureToleranceMs: HOUR }));
    const a = agreement({ msisdn: '48500000001', serviceStartAt: Date.parse('2026-01-01T00:00:00Z') });
    p.onAgreement(a, 0);
    const out = p.onRecord(record(a.msisdn, NOW + HOUR, 1), 0, NOW);
    expect(out.map((o) => o.kind)).toEqual(['data-record']);
    expect(p.onRecord(record(a.msisdn, NOW + HOUR + 1, 1), 0, NOW).map((o) => o.kind)).toEqual(['dead-letter']);
  });

  it('without a tolerance nothing is checked (pure tests run a fake clock from 0)', () => {
    const p = new UsageProcessor(testProcessorConfig());
    const a = agreement({ msisdn: '48500000001' });
    p.onAgreement(a, 0);
    expect(p.onRecord(record(a.msisdn, '2099-01-01T00:00:00Z', 1), 0, 0).map((o) => o.kind)).toEqual(['data-record']);
  });

  it('the watermark never passes wall time + tolerance, whatever was observed or restored (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ partition: fc.integer({ min: 0, max: 2 }), at: fc.integer({ min: 0, max: 8e15 }), wallStep: fc.integer({ min: 0, max: 1e9 }) }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 1e8 }),
        fc.integer({ min: 0, max: 1e6 }),
        (events, tolerance, outOfOrderness) => {
          const t = new WatermarkTracker({ idleTimeoutMs: 10, futureToleranceMs: tolerance, outOfOrdernessMs: outOfOrderness });
          t.restore(0, 8e15, null); // progress persisted by an older version without the bound
          let wall = 1e12;
          for (const e of events) {
            wall += e.wallStep;
            t.observe(e.partition, e.at, wall);
            t.setCaughtUp(e.partition, true);
            t.advance(wall);
            const wm = t.current();
            if (wm !== null) expect(wm).toBeLessThanOrEqual(wall + tolerance);
          }
        },
      ),
    );
  });
});
