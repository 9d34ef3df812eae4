// The original's DataRecordsGenerator (/api/data-records/generate): data records for
// `count` agreements written straight to Cassandra. Agreement ids restart with every
// call (a fresh Random), while the time carries on from agreement to agreement and
// from call to call, as in the original.
import { JavaRandom } from '../java/random';
import { nextUuid } from '../java/uuid';
import { plusMonths } from '../java/zoned-date-time';
import {
  AGREEMENT_ID_SEED,
  BILLING_TIME_ZONE,
  INTERNAL_RECORD_ID_SEED,
  MAX_BYTES_IN_DIRECT_RECORD,
  RECORDED_BYTES_SEED,
  SECONDS_BETWEEN_RECORDS,
  SERVICE_START_AT_MS,
} from './constants';

export interface GeneratedDataRecord {
  agreementId: string;
  recordedAt: number;
  internalRecordId: string;
  recordedBytes: number;
  /** The zone of the agreement: gives the billing period. */
  billingPeriodTimeZone: string;
}

export class DirectDataRecordsGenerator {
  private constructor(private begin: number) {}

  static create(): DirectDataRecordsGenerator {
    return new DirectDataRecordsGenerator(SERVICE_START_AT_MS + SECONDS_BETWEEN_RECORDS * 1000);
  }

  /** The whole state: where the next call starts (epoch millis). */
  static restore(state: { begin: number }): DirectDataRecordsGenerator {
    return new DirectDataRecordsGenerator(state.begin);
  }

  snapshot(): { begin: number } {
    return { begin: this.begin };
  }

  /** How many records next(count, months) would produce, without producing them. */
  lines(count: number, months: number): number {
    let t = this.begin;
    let lines = 0;
    for (let k = 0; k < count; k++) {
      const days = daysUntil(t, plusMonths(t, BILLING_TIME_ZONE, months));
      lines += days;
      t += days * SECONDS_BETWEEN_RECORDS * 1000;
    }
    return lines;
  }

  clone(): DirectDataRecordsGenerator {
    return new DirectDataRecordsGenerator(this.begin);
  }

  get nextBegin(): number {
    return this.begin;
  }

  next(count: number, months: number): GeneratedDataRecord[] {
    const ids = new JavaRandom(AGREEMENT_ID_SEED);
    const records: GeneratedDataRecord[] = [];
    for (let k = 0; k < count; k++) {
      const agreementId = nextUuid(ids);
      const internalIds = new JavaRandom(INTERNAL_RECORD_ID_SEED + k);
      const bytes = new JavaRandom(RECORDED_BYTES_SEED + k);
      const end = plusMonths(this.begin, BILLING_TIME_ZONE, months);
      let t = this.begin;
      while (t < end) {
        records.push({
          agreementId,
          recordedAt: t,
          internalRecordId: nextUuid(internalIds),
          recordedBytes: Math.trunc(bytes.nextDouble() * MAX_BYTES_IN_DIRECT_RECORD),
          billingPeriodTimeZone: BILLING_TIME_ZONE,
        });
        t += SECONDS_BETWEEN_RECORDS * 1000;
      }
      this.begin = t;
    }
    return records;
  }
}

/** How many records, one every SECONDS_BETWEEN_RECORDS from `begin`, fall before `end`. */
export function daysUntil(begin: number, end: number): number {
  return end > begin ? Math.ceil((end - begin) / (SECONDS_BETWEEN_RECORDS * 1000)) : 0;
}

/** The original's response text. */
export function directRecordsSummary(records: readonly GeneratedDataRecord[]): string {
  return (
    `Total number of generated records: ${records.length}\n` +
    `Agreements generated in order: ${[...new Set(records.map((r) => r.agreementId))].join(', ')}`
  );
}
