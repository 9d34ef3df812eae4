import { aggregateCodec, toImportedRecord, type Agreement, type ImportedRecord } from '@mobilecs/domain';
import { UsageHarness } from '@mobilecs/windowing/testing';
import type { IncomingMessage } from '@mobilecs/platform';

const HOUR = 3_600_000;

/**
 * Input for the fault tests: `msisdns` subscribers with one agreement each (5 GiB or
 * 10 GiB plans, Europe/Warsaw) and a record every `stepHours` from 1 January to
 * 31 March 2020, plus one record on 15 April, which closes January to March.
 */
export function faultDataset(msisdns: number, stepHours: number): { agreements: Agreement[]; records: ImportedRecord[] } {
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const agreements: Agreement[] = [];
  const records: ImportedRecord[] = [];
  const start = Date.UTC(2019, 11, 31, 23);
  const end = Date.UTC(2020, 2, 31, 22);
  for (let i = 0; i < msisdns; i++) {
    const msisdn = `4870000${String(i).padStart(4, '0')}`;
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    agreements.push({
      id,
      msisdn,
      signedAt: Date.UTC(2019, 11, 1),
      serviceStartAt: start,
      billingPeriodTimeZone: 'Europe/Warsaw',
      maxBytesInBillingPeriod: i % 2 === 0 ? 5_368_709_120n : 10_737_418_240n,
    });
    let n = 0;
    for (let t = start + HOUR; t < end; t += stepHours * HOUR) {
      const externalId = `10000000-0000-4000-8000-${String(i).padStart(4, '0')}${String(n++).padStart(8, '0')}`;
      records.push(toImportedRecord({ externalId, recordedAt: t, msisdn, recordedBytes: BigInt(Math.floor(random() * 40_000_000)) }));
    }
    records.push(toImportedRecord({ externalId: `20000000-0000-4000-8000-${String(i).padStart(12, '0')}`, recordedAt: Date.UTC(2020, 3, 15), msisdn, recordedBytes: 1n }));
  }
  records.sort((a, b) => a.recordedAt - b.recordedAt || a.msisdn.localeCompare(b.msisdn));
  return { agreements, records };
}

/** The aggregates the pure core computes for the dataset: the oracle of the fault tests. */
export function expectedAggregates(data: { agreements: Agreement[]; records: ImportedRecord[] }): string[] {
  const h = new UsageHarness();
  for (const a of data.agreements) h.agreement(a);
  for (const r of data.records) h.record(r);
  return h
    .aggregateOutputs()
    .map((o) => canonical(o.key, o.timestampMs, aggregateCodec.encode(o.aggregate)))
    .sort();
}

/** One aggregate message as comparable text: key, timestamp and value. */
export function canonical(key: string | null, timestamp: number, value: string): string {
  return `${key}@${timestamp}:${value}`;
}

export function canonicalMessages(messages: IncomingMessage[]): string[] {
  return messages.map((m) => canonical(m.key, m.timestamp, m.value?.toString() ?? '')).sort();
}
