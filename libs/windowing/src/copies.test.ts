// A record counted once per billing period, however often it arrives (issue 18): the
// cases, then a property over any stream of copies, crashes and replays.
import { stringifyExact, type ImportedRecord } from '@mobilecs/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyKey, StoredCopyLookupMissing } from './copies';
import { UsageHarness } from './testing/harness';
import { UsageProcessor } from './processor';
import { testProcessorConfig } from './testing/processor-config';
import { agreement, idOf, record } from './testing/test-data';

const M = '48500000001';
const plan = (maxBytes: number) => agreement({ msisdn: M, maxBytesInBillingPeriod: maxBytes });
const totals = (h: UsageHarness) => h.aggregates().map((a) => [a.type, a.month, Number(a.totalRecordedBytes)]);

describe('copies of a record', () => {
  it('a copy in time order is recognised at the latest instant without the store', () => {
    const h = new UsageHarness();
    h.agreement(plan(1000));
    const r = record(M, '2020-01-10T10:00:00Z', 600, 1);
    h.record(r);
    h.store.clear(); // the window alone must know
    const out = h.record(r);
    expect(out.map((o) => o.kind)).toEqual(['duplicate']);
    expect(h.duplicates()[0]).toMatchObject({ first: { offset: '0' }, second: { offset: '1' }, record: { internalRecordId: r.internalId } });
    h.advanceWatermarkTo(Date.parse('2020-03-01T00:00:00Z'));
    expect(totals(h)).toEqual([['BILLING_PERIOD_CLOSED', 1, 600]]);
  });

  it('two records at the same instant are both counted; their copies are not', () => {
    const h = new UsageHarness();
    h.agreement(plan(10_000));
    const a = record(M, '2020-01-10T10:00:00Z', 1, 1);
    const b = record(M, '2020-01-10T10:00:00Z', 2, 2);
    h.record(a);
    h.record(b);
    h.record(a);
    h.record(b);
    expect(h.duplicates()).toHaveLength(2);
    h.advanceWatermarkTo(Date.parse('2020-03-01T00:00:00Z'));
    expect(totals(h)).toEqual([['BILLING_PERIOD_CLOSED', 1, 3]]);
  });

  it('an out-of-order copy is found through the store, with the first copy\'s source', () => {
    const h = new UsageHarness();
    h.agreement(plan(1000));
    const early = { ...record(M, '2020-01-05T10:00:00Z', 300, 1), source: { file: 'a.csv', line: 7 } };
    h.record(early);
    h.record(record(M, '2020-01-20T10:00:00Z', 500, 2));
    h.record({ ...early, source: { file: 'b.csv', line: 1 } });
    expect(h.duplicates()[0]).toMatchObject({ first: { offset: '0', source: { file: 'a.csv', line: 7 } }, second: { offset: '2', source: { file: 'b.csv', line: 1 } } });
    h.advanceWatermarkTo(Date.parse('2020-03-01T00:00:00Z'));
    expect(totals(h)).toEqual([['BILLING_PERIOD_CLOSED', 1, 800]]);
  });

  it('a copy arriving after the plan was exceeded changes nothing; a new record still counts', () => {
    const h = new UsageHarness();
    h.agreement(plan(1000));
    const r = record(M, '2020-01-05T10:00:00Z', 700, 1);
    h.record(r);
    h.record(record(M, '2020-01-06T10:00:00Z', 400, 2));
    expect(totals(h)).toEqual([['DATA_PLAN_EXCEEDED', 1, 1100]]);
    h.record(r);
    h.record(record(M, '2020-01-07T10:00:00Z', 1, 3));
    h.advanceWatermarkTo(Date.parse('2020-03-01T00:00:00Z'));
    expect(totals(h)).toEqual([
      ['DATA_PLAN_EXCEEDED', 1, 1100],
      ['BILLING_PERIOD_CLOSED', 1, 1101],
    ]);
  });

  it('the ingester replaying its own uncommitted work counts again: the stored row names the same arrival', () => {
    const h = new UsageHarness();
    h.agreement(plan(1000));
    h.record(record(M, '2020-01-20T10:00:00Z', 500, 1));
    const committed = { changelog: h.changelog.length, outputs: h.outputs.length };
    const late = record(M, '2020-01-05T10:00:00Z', 300, 2);
    h.record(late); // written to the store, then the ingester dies before its commit
    h.crashBackTo(committed.changelog, committed.outputs);
    h.record(late, 0, 1n); // the same offset again
    expect(h.duplicates()).toEqual([]);
    h.record(late); // a real second copy, at a later offset
    expect(h.duplicates()).toHaveLength(1);
    h.advanceWatermarkTo(Date.parse('2020-03-01T00:00:00Z'));
    expect(totals(h)).toEqual([['BILLING_PERIOD_CLOSED', 1, 800]]);
  });

  it('a late copy rewrote the row before a crash: the replayed original is still counted', () => {
    // Found by the property below: offsets commit in order, so a row written at a later
    // offset of the partition than the one replayed is uncommitted work, not a counted copy.
    const h = new UsageHarness();
    h.agreement(plan(1000));
    h.record(record(M, '2020-01-20T10:00:00Z', 500, 1));
    const committed = { changelog: h.changelog.length, outputs: h.outputs.length };
    const early = record(M, '2020-01-05T10:00:00Z', 300, 2);
    h.record(early); // offset 1
    h.record(record(M, '2020-02-05T10:00:00Z', 1, 3)); // closes January
    h.record(early); // offset 3: late, its row rewritten with offset 3
    h.crashBackTo(committed.changelog, committed.outputs);
    h.record(early, 0, 1n);
    h.record(record(M, '2020-02-05T10:00:00Z', 1, 3), 0, 2n);
    h.record(early, 0, 3n);
    expect(h.aggregates().map((a) => [a.type, a.month, Number(a.totalRecordedBytes)])).toEqual([['BILLING_PERIOD_CLOSED', 1, 800]]);
  });

  it('copies held for an agreement are counted once when it arrives', () => {
    const h = new UsageHarness();
    const r1 = record(M, '2020-01-10T10:00:00Z', 100, 1);
    const r2 = record(M, '2020-01-12T10:00:00Z', 200, 2);
    for (const r of [r1, r2, r1, r2]) h.record(r);
    h.agreement(plan(1000));
    expect(h.duplicates().map((d) => d.record.internalRecordId)).toEqual([r1.internalId, r2.internalId]);
    h.advanceWatermarkTo(Date.parse('2020-03-01T00:00:00Z'));
    expect(totals(h)).toEqual([['BILLING_PERIOD_CLOSED', 1, 300]]);
  });

  it('a copy in another billing period of the same agreement is a different window: counted', () => {
    // Not a copy at all (the id covers recordedAt): guards against a key that forgets the period.
    const h = new UsageHarness();
    h.agreement(plan(1000));
    h.record(record(M, '2020-01-10T10:00:00Z', 100, 1));
    h.record(record(M, '2020-02-10T10:00:00Z', 100, 1));
    expect(h.duplicates()).toEqual([]);
  });

  it('without the store look-up it needs, the processor refuses to guess', () => {
    const p = new UsageProcessor(testProcessorConfig());
    p.assignPartitions([0]);
    p.onAgreement(plan(1000), 0);
    p.onRecord(record(M, '2020-01-20T10:00:00Z', 500, 1), 0, 0, '0');
    p.drainChanges();
    const early = record(M, '2020-01-05T10:00:00Z', 300, 2);
    expect(() => p.onRecord(early, 0, 0, '1')).toThrow(StoredCopyLookupMissing);
    // What storedCopiesToLookUp names is exactly what it needs.
    const keys = p.storedCopiesToLookUp({ records: [early] });
    expect(keys.map(copyKey)).toHaveLength(1);
  });

  it('the look-ups asked for cover records earlier in the same input', () => {
    const p = new UsageProcessor(testProcessorConfig());
    p.assignPartitions([0]);
    p.onAgreement(plan(1000), 0);
    const later = record(M, '2020-01-20T10:00:00Z', 1, 1);
    const earlier = record(M, '2020-01-05T10:00:00Z', 1, 2);
    const keys = p.storedCopiesToLookUp({ records: [later, earlier, later] });
    expect(keys.map((k) => k.internalRecordId)).toEqual([earlier.internalId, later.internalId]);
  });
});

// ---- property ---------------------------------------------------------------------------

const T0 = Date.parse('2020-01-01T00:00:00Z');
const HOUR = 3_600_000;
const msisdnOf = (i: number) => `4850000000${i}`;

const streamArb = fc
  .record({
    subscribers: fc.integer({ min: 1, max: 3 }),
    records: fc.array(fc.record({ who: fc.nat(), hour: fc.integer({ min: 1, max: 24 * 70 }), bytes: fc.integer({ min: 0, max: 500 }) }), { minLength: 1, maxLength: 30 }),
    copies: fc.array(fc.record({ of: fc.nat(), after: fc.nat({ max: 12 }) }), { maxLength: 20 }),
    shuffle: fc.array(fc.nat(), { maxLength: 30 }),
    crashes: fc.array(fc.record({ at: fc.nat(), back: fc.integer({ min: 1, max: 6 }) }), { maxLength: 3 }),
    partitions: fc.integer({ min: 1, max: 3 }),
  })
  .map((g) => {
    let distinct = g.records.map((r, n) => record(msisdnOf(r.who % g.subscribers), T0 + r.hour * HOUR, r.bytes, n + 1));
    // Mostly in time order, with some records moved later (out of order).
    distinct.sort((a, b) => a.recordedAt - b.recordedAt);
    for (const s of g.shuffle.slice(0, 5)) {
      const i = s % distinct.length;
      const [moved] = distinct.splice(i, 1);
      distinct.splice(Math.min(distinct.length, i + 1 + (s % 4)), 0, moved!);
    }
    distinct = [...distinct];
    const stream: ImportedRecord[] = [...distinct];
    for (const c of g.copies) {
      const original = distinct[c.of % distinct.length]!;
      const at = stream.indexOf(original);
      stream.splice(Math.min(stream.length, at + 1 + c.after), 0, original);
    }
    return { distinct, stream, crashes: g.crashes, partitions: g.partitions, subscribers: g.subscribers };
  });

function feed(stream: ImportedRecord[], partitions: number, subscribers: number, crashes: { at: number; back: number }[] = []): UsageHarness {
  const partitionOf = (msisdn: string) => Number(msisdn.slice(-1)) % partitions;
  const h = new UsageHarness({}, { partitions: [...Array(partitions).keys()] });
  for (let i = 0; i < subscribers; i++) h.agreement(agreement({ msisdn: msisdnOf(i), id: idOf(500 + i, 3), maxBytesInBillingPeriod: 2000 }), partitionOf(msisdnOf(i)));
  // Offsets per partition, as the input topic gives them (the same again on a replay).
  const offsets = new Map<number, bigint>();
  const offsetOf = stream.map((r) => {
    const p = partitionOf(r.msisdn);
    const o = offsets.get(p) ?? 0n;
    offsets.set(p, o + 1n);
    return o;
  });
  const commits: { changelog: number; outputs: number }[] = [];
  const pending = [...crashes].sort((a, b) => a.at - b.at);
  for (let i = 0; i < stream.length; i++) {
    commits[i] = { changelog: h.changelog.length, outputs: h.outputs.length };
    const r = stream[i]!;
    h.record(r, partitionOf(r.msisdn), offsetOf[i]);
    const crash = pending[0];
    if (crash && crash.at % stream.length === i) {
      pending.shift();
      // The last `back` inputs were not committed: state and outputs go back, rows stay.
      const from = Math.max(0, i + 1 - crash.back);
      h.crashBackTo(commits[from]!.changelog, commits[from]!.outputs);
      for (let j = from; j <= i; j++) h.record(stream[j]!, partitionOf(stream[j]!.msisdn), offsetOf[j]);
    }
  }
  h.advanceWatermarkTo(Date.parse('2030-01-01T00:00:00Z'));
  return h;
}

const closedTotals = (h: UsageHarness) =>
  h
    .aggregates()
    .map((a) => stringifyExact(a))
    .sort();

describe('copies of a record (property)', () => {
  it('any stream with copies, crashes and replays gives the aggregates of its distinct records; the store agrees with the windows', () => {
    fc.assert(
      fc.property(streamArb, ({ distinct, stream, crashes, partitions, subscribers }) => {
        const reference = feed(distinct, partitions, subscribers);
        const withCopies = feed(stream, partitions, subscribers, crashes);
        expect(closedTotals(withCopies)).toEqual(closedTotals(reference));
        // The store holds the same records (late ones included, as the ingester stores them).
        const keys = (h: UsageHarness) => [...new Set(h.dataRecords().map(copyKey))].sort();
        expect(keys(withCopies)).toEqual(keys(reference));
        // Each copy beyond the first is reported once: as a duplicate, or as late when its period had closed.
        expect(withCopies.duplicates().length + withCopies.late().length - reference.late().length).toBe(stream.length - distinct.length);
      }),
      { numRuns: 300 },
    );
  });
});
