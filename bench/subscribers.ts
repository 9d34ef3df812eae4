// Subscribers of the restart and scale benchmarks: subscriber i has one agreement (5 GiB
// plan, Warsaw, in service since December 2019); record n of a subscriber is 1 000 bytes
// in January 2020, n milliseconds after 2 January (n orders the records in event time),
// so any number of them keeps one open window per subscriber, far below its plan.
import { toImportedRecord, type Agreement, type ImportedRecord } from '@mobilecs/domain';

export const subscriberAgreement = (i: number): Agreement => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  msisdn: `4875${String(i).padStart(7, '0')}`,
  signedAt: Date.UTC(2019, 10, 1),
  serviceStartAt: Date.UTC(2019, 11, 1),
  billingPeriodTimeZone: 'Europe/Warsaw',
  maxBytesInBillingPeriod: 5_368_709_120n,
});

export const subscriberRecord = (i: number, n: number): ImportedRecord =>
  toImportedRecord({ externalId: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`, recordedAt: Date.UTC(2020, 0, 2) + n, msisdn: subscriberAgreement(i).msisdn, recordedBytes: 1000n });
