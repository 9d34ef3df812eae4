// The original README's result as data (test/fixtures/seed-example/) and the messages it
// implies, as the end-to-end suites expect them on data-records-aggregates: key, record
// timestamp and the JSON value of system.md §2. One reader for every suite that checks it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agreementCodec, internalRecordId, parseDataRecordLine, parseTimestamp, toImportedRecord, type Agreement, type ImportedRecord } from '@mobilecs/domain';

export const fixtureDir = join(import.meta.dirname, '..', 'fixtures', 'seed-example');
export const fixtureFile = 'idr_000_2020-01-02_1349856c-14bb-33a0-ae31-b3df49201961.csv';
/** The fixture's subscriber and agreement (the first of the generator's first batch). */
export const fixtureMsisdn = '48917846822';

/** One line of expected-aggregates.jsonl. */
export interface ExpectedAggregate {
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

/** One line of a data-record file, parsed. */
export interface FileRecord {
  externalId: string;
  recordedAt: number;
  msisdn: string;
  recordedBytes: number;
}

/** An aggregate message as it must appear on the topic. */
export interface ExpectedMessage {
  key: string;
  timestamp: number;
  value: Record<string, unknown>;
}

export function parseRecordLines(text: string): FileRecord[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [externalId, at, msisdn, bytes] = line.split(';') as [string, string, string, string];
      const recordedAt = parseTimestamp(at);
      if (!recordedAt.ok) throw recordedAt.error;
      return { externalId, recordedAt: recordedAt.value, msisdn, recordedBytes: Number(bytes) };
    });
}

export const fixtureRecordLines = (): FileRecord[] => parseRecordLines(readFileSync(join(fixtureDir, fixtureFile), 'utf8'));

/** The fixture's agreement, decoded. */
export function fixtureAgreement(): Agreement {
  const line = readFileSync(join(fixtureDir, 'agreements.jsonl'), 'utf8').trim();
  const a = agreementCodec.decode(line);
  if (!a.ok) throw a.error;
  return a.value;
}

/** The fixture's records as the importer publishes them (30 in January, 1 in February). */
export function fixtureRecords(): ImportedRecord[] {
  const text = readFileSync(join(fixtureDir, fixtureFile), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l, i) => {
      const r = parseDataRecordLine(l);
      if (!r.ok) throw r.error;
      return toImportedRecord(r.value, { file: 'fixture.csv', line: i + 1 });
    });
}

export function expectedAggregates(): ExpectedAggregate[] {
  return readFileSync(join(fixtureDir, 'expected-aggregates.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ExpectedAggregate);
}

/** The original README's two January messages, complete (the internal id is derived from the fixture's line). */
export function januaryMessages(): ExpectedMessage[] {
  const records = fixtureRecordLines();
  return expectedAggregates().map((e) => {
    const latest = records.find((r) => r.externalId === e.externalId);
    if (!latest) throw new Error(`no fixture line with externalId ${e.externalId}`);
    return {
      key: e.agreementId,
      timestamp: e.createTime,
      value: {
        agreementId: e.agreementId,
        year: e.year,
        month: e.month,
        latestRecordedAt: new Date(e.latestRecordedAt).toISOString(),
        latestInternalRecordId: internalRecordId(latest),
        totalRecordedBytes: e.totalRecordedBytes,
        billingPeriodTimeZone: e.billingPeriodTimeZone,
        maxBytesInBillingPeriod: e.maxBytesInBillingPeriod,
        type: e.type,
      },
    };
  });
}

// February 2020 in Europe/Warsaw (UTC+1 all month).
const febStart = Date.parse('2020-01-31T23:00:00Z');
const marchStart = Date.parse('2020-02-29T23:00:00Z');

/**
 * February's messages for the fixture's agreement, computed independently from the
 * records the generator wrote (all files so far): DATA_PLAN_EXCEEDED when the running
 * total reaches the plan, BILLING_PERIOD_CLOSED once a record passes the month's end.
 */
export function februaryMessages(records: FileRecord[]): ExpectedMessage[] {
  const [first] = expectedAggregates();
  if (!first) throw new Error('expected-aggregates.jsonl is empty');
  const own = records.filter((r) => r.msisdn === fixtureMsisdn);
  const february = own.filter((r) => r.recordedAt >= febStart && r.recordedAt < marchStart);
  const out: ExpectedMessage[] = [];
  let total = 0;
  let latest: FileRecord | undefined;
  let exceeded = false;
  const message = (type: string, last: FileRecord): ExpectedMessage => ({
    key: first.agreementId,
    timestamp: marchStart - 1,
    value: {
      agreementId: first.agreementId,
      year: 2020,
      month: 2,
      latestRecordedAt: new Date(last.recordedAt).toISOString(),
      latestInternalRecordId: internalRecordId(last),
      totalRecordedBytes: total,
      billingPeriodTimeZone: first.billingPeriodTimeZone,
      maxBytesInBillingPeriod: first.maxBytesInBillingPeriod,
      type,
    },
  });
  for (const r of february) {
    total += r.recordedBytes;
    if (!latest || r.recordedAt >= latest.recordedAt) latest = r;
    if (!exceeded && total >= first.maxBytesInBillingPeriod) {
      exceeded = true;
      out.push(message('DATA_PLAN_EXCEEDED', latest));
    }
  }
  if (latest && own.some((r) => r.recordedAt >= marchStart)) out.push(message('BILLING_PERIOD_CLOSED', latest));
  return out;
}
