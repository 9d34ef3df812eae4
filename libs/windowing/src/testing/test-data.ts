// Builders for tests (exported from @mobilecs/windowing/testing, not from the package index).
import { internalRecordId, type Agreement, type ImportedRecord } from '@mobilecs/domain';

let counter = 0;

/** A deterministic UUID-shaped id from a number. */
export function idOf(n: number, version = 4): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-${version}000-8000-${hex}`;
}

/** An agreement; the plan may be given as a number for brevity. */
export function agreement(
  over: Omit<Partial<Agreement>, 'maxBytesInBillingPeriod'> & { msisdn: string; maxBytesInBillingPeriod?: number | bigint },
): Agreement {
  return {
    id: idOf(Number(over.msisdn) % 1e12, 3),
    signedAt: Date.parse('2019-12-20T00:00:00+01:00'),
    serviceStartAt: Date.parse('2020-01-01T00:00:00+01:00'),
    billingPeriodTimeZone: 'Europe/Warsaw',
    ...over,
    maxBytesInBillingPeriod: BigInt(over.maxBytesInBillingPeriod ?? 1000),
  };
}

export function record(msisdn: string, recordedAt: string | number, recordedBytes: number | bigint, externalNo?: number): ImportedRecord {
  const base = {
    externalId: idOf(externalNo ?? ++counter),
    msisdn,
    recordedAt: typeof recordedAt === 'number' ? recordedAt : Date.parse(recordedAt),
    recordedBytes: BigInt(recordedBytes),
  };
  return { ...base, internalId: internalRecordId(base) };
}
