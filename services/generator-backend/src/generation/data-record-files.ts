// The original's IncomingDataRecordsGenerator + IncomingDataRecordsFilesCreator: one
// file per call, `months` months of one record per msisdn per day, continuing where the
// previous call stopped.
import { formatDataRecordLine } from '@mobilecs/domain';
import { javaHashSetOrder, javaShuffle } from '../java/collections';
import { JavaRandom } from '../java/random';
import { nextUuid } from '../java/uuid';
import { localDateText, plusMonths } from '../java/zoned-date-time';
import {
  BILLING_TIME_ZONE,
  FILE_NAME_SEED,
  INCOMING_RECORD_ID_SEED,
  MAX_BYTES_IN_INCOMING_RECORD,
  MSISDN_SEED,
  MSISDNS_SHUFFLING_SEED,
  RECORDED_BYTES_SEED,
  SECONDS_BETWEEN_RECORDS,
  SERVICE_START_AT_MS,
} from './constants';
import { daysUntil } from './direct-data-records';
import { nextMsisdnValue } from './msisdn';

const DAY_MS = SECONDS_BETWEEN_RECORDS * 1000;
/** Where every population's first file starts: 2 January 2020, 00:00 in Warsaw. */
const FIRST_BEGIN = SERVICE_START_AT_MS + DAY_MS;

interface Msisdn {
  readonly value: string;
  readonly idRandom: JavaRandom;
  readonly bytesRandom: JavaRandom;
}

export interface IncomingDataRecord {
  externalId: string;
  recordedAt: number;
  msisdn: string;
  recordedBytes: number;
}

/** The records of one file, and how to name and summarise it. */
export interface GeneratedFile {
  fileName: string;
  /** Lines in file order, each without its line terminator. */
  records: IncomingDataRecord[];
  /** The original's response: msisdns in Java HashSet order. */
  summary: string;
}

/** One msisdn population (the original's batch size): its list, its shuffling and its clock. */
export class IncomingDataRecordsGenerator {
  private constructor(
    private readonly msisdns: Msisdn[],
    private readonly shuffling: JavaRandom,
    private begin: number,
  ) {}

  static create(numberOfMsisdns: number): IncomingDataRecordsGenerator {
    const values = new JavaRandom(MSISDN_SEED);
    const msisdns = Array.from({ length: numberOfMsisdns }, (_, i) => ({
      value: nextMsisdnValue(values),
      idRandom: new JavaRandom(INCOMING_RECORD_ID_SEED + i),
      bytesRandom: new JavaRandom(RECORDED_BYTES_SEED + i),
    }));
    return new IncomingDataRecordsGenerator(msisdns, new JavaRandom(MSISDNS_SHUFFLING_SEED), FIRST_BEGIN);
  }

  /**
   * The generator of `numberOfMsisdns` msisdns after `days` days of records, exactly as
   * if next() had produced them: the shuffles are replayed (their draws depend on the
   * values), each msisdn's two Randoms jump ahead by their fixed 2 draws a day.
   */
  static afterDays(numberOfMsisdns: number, days: number): IncomingDataRecordsGenerator {
    const g = IncomingDataRecordsGenerator.create(numberOfMsisdns);
    for (let d = 0; d < days; d++) javaShuffle(g.msisdns, g.shuffling);
    for (const m of g.msisdns) {
      m.idRandom.skip(2 * days); // nextUuid: nextBytes(8) = 2 × nextInt()
      m.bytesRandom.skip(2 * days); // nextDouble: next(26), next(27)
    }
    g.begin = FIRST_BEGIN + days * DAY_MS;
    return g;
  }

  /** Days of records produced so far: the whole state, given the msisdn count. */
  get days(): number {
    return Math.round((this.begin - FIRST_BEGIN) / DAY_MS);
  }

  clone(): IncomingDataRecordsGenerator {
    return new IncomingDataRecordsGenerator(
      this.msisdns.map((m) => ({ value: m.value, idRandom: m.idRandom.clone(), bytesRandom: m.bytesRandom.clone() })),
      this.shuffling.clone(),
      this.begin,
    );
  }

  get size(): number {
    return this.msisdns.length;
  }

  /** Where the next call starts (epoch millis). */
  get nextBegin(): number {
    return this.begin;
  }

  next(months: number): IncomingDataRecord[] {
    const records: IncomingDataRecord[] = [];
    const end = plusMonths(this.begin, BILLING_TIME_ZONE, months);
    let t = this.begin;
    while (t < end) {
      javaShuffle(this.msisdns, this.shuffling);
      for (const m of this.msisdns) {
        records.push({
          externalId: nextUuid(m.idRandom),
          recordedAt: t,
          msisdn: m.value,
          recordedBytes: Math.trunc(m.bytesRandom.nextDouble() * MAX_BYTES_IN_INCOMING_RECORD),
        });
      }
      t += DAY_MS; // an instant step: local time moves at DST changes
    }
    this.begin = t;
    return records;
  }
}

/** The original's file naming: a counter and a Random shared by every file of the service. */
export class FileNamer {
  private constructor(
    private readonly random: JavaRandom,
    private counter: number,
  ) {}

  static create(): FileNamer {
    return new FileNamer(new JavaRandom(FILE_NAME_SEED), 0);
  }

  static restore(state: { files: number; nameRandom: string }): FileNamer {
    return new FileNamer(JavaRandom.fromState(state.nameRandom), state.files);
  }

  snapshot(): { files: number; nameRandom: string } {
    return { files: this.counter, nameRandom: this.random.state };
  }

  clone(): FileNamer {
    return new FileNamer(this.random.clone(), this.counter);
  }

  /** idr_%03d_<local date of the first record>_<uuid>.csv */
  next(firstRecordedAt: number): string {
    const n = this.counter++;
    return `idr_${String(n).padStart(3, '0')}_${localDateText(firstRecordedAt, BILLING_TIME_ZONE)}_${nextUuid(this.random)}.csv`;
  }
}

/** externalId;recordedAt;msisdn;recordedBytes with Java's zoned timestamp text. */
export function formatIncomingRecordLine(r: IncomingDataRecord): string {
  return formatDataRecordLine(r, BILLING_TIME_ZONE);
}

export function msisdnsSummary(records: readonly IncomingDataRecord[]): string {
  return `MSISDNs generated: ${javaHashSetOrder(records.map((r) => r.msisdn)).join(', ')}`;
}

/** What a restart needs: the file counter, the name Random and, per msisdn count, the days produced. */
export interface DataRecordFilesState {
  files: number;
  nameRandom: string;
  /** Msisdn count (as a decimal string) → days of records produced for it. */
  populations: Record<string, { days: number }>;
}

/**
 * All file generators of a service: one IncomingDataRecordsGenerator per msisdn count
 * asked for (each continues its own sequence, exactly as an original configured with
 * that batch size would), sharing one FileNamer. A restored population is rebuilt on
 * its first use (IncomingDataRecordsGenerator.afterDays).
 */
export class DataRecordFilesGenerator {
  private constructor(
    private readonly byCount: Map<number, IncomingDataRecordsGenerator>,
    private readonly namer: FileNamer,
    /** Restored populations not used yet: msisdn count → days produced. */
    private readonly restored: Map<number, number> = new Map(),
  ) {}

  static create(): DataRecordFilesGenerator {
    return new DataRecordFilesGenerator(new Map(), FileNamer.create());
  }

  static restore(state: DataRecordFilesState): DataRecordFilesGenerator {
    const restored = new Map<number, number>();
    for (const [count, { days }] of Object.entries(state.populations)) {
      const n = Number(count);
      if (!Number.isSafeInteger(n) || n < 1 || !Number.isSafeInteger(days) || days < 0) {
        throw new RangeError(`invalid population ${count}: ${JSON.stringify({ days })}`);
      }
      restored.set(n, days);
    }
    return new DataRecordFilesGenerator(new Map(), FileNamer.restore(state), restored);
  }

  snapshot(): DataRecordFilesState {
    const populations: Record<string, { days: number }> = {};
    const counts = [...new Set([...this.restored.keys(), ...this.byCount.keys()])].sort((a, b) => a - b);
    for (const count of counts) {
      populations[String(count)] = { days: this.byCount.get(count)?.days ?? this.restored.get(count) ?? 0 };
    }
    return { ...this.namer.snapshot(), populations };
  }

  /** A copy of the state touched by a call with `count`, to commit after the file is in place. */
  clone(): DataRecordFilesGenerator {
    return new DataRecordFilesGenerator(
      new Map([...this.byCount].map(([k, g]) => [k, g.clone()])),
      this.namer.clone(),
      new Map(this.restored),
    );
  }

  /** How many lines next(count, months) would write, without producing them. */
  lines(count: number, months: number): number {
    const days = this.byCount.get(count)?.days ?? this.restored.get(count) ?? 0;
    const begin = FIRST_BEGIN + days * DAY_MS;
    return count * daysUntil(begin, plusMonths(begin, BILLING_TIME_ZONE, months));
  }

  next(count: number, months: number): GeneratedFile {
    let generator = this.byCount.get(count);
    if (!generator) {
      generator = IncomingDataRecordsGenerator.afterDays(count, this.restored.get(count) ?? 0);
      this.restored.delete(count);
      this.byCount.set(count, generator);
    }
    const records = generator.next(months);
    const first = records[0];
    if (!first) throw new RangeError('a data-record file needs at least one msisdn and one month');
    return { fileName: this.namer.next(first.recordedAt), records, summary: msisdnsSummary(records) };
  }
}
