import { readFileSync } from 'node:fs';
import { formatZonedTimestamp, javaAgreementCodec } from '@mobilecs/domain';
import { describe, expect, it } from 'vitest';
import { agreementMessage } from '../adapters/kafka-agreement-publisher';
import { AgreementsGenerator, agreementsSummary } from './agreements';
import { DataRecordFilesGenerator, formatIncomingRecordLine } from './data-record-files';
import { DirectDataRecordsGenerator, directRecordsSummary } from './direct-data-records';

const fixture = (name: string) => readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url));
const FIXTURE_FILE = 'idr_000_2020-01-02_1349856c-14bb-33a0-ae31-b3df49201961.csv';

interface JavaAgreement {
  id: string;
  msisdn: string;
  signedAt: string;
  signedAtMs: number;
  serviceStartAt: string;
  billingPeriodTimeZone: string;
  maxBytesInBillingPeriod: number;
}
interface JavaFile {
  fileName: string;
  response: string;
  content: string;
}
interface JavaDirect {
  agreementId: string;
  recordedAtMs: number;
  internalRecordId: string;
  recordedBytes: number;
}
const java = JSON.parse(fixture('java-generators.json').toString('utf8')) as {
  agreementsCount1x3: JavaAgreement[][];
  agreementsCount3x2: JavaAgreement[][];
  filesCount1Months1x4: JavaFile[];
  filesCount5Months2x2: JavaFile[];
  directCount2Months1x2: JavaDirect[][];
  zonedToString: [number, string][];
};

function fileText(gen: DataRecordFilesGenerator, count: number, months: number) {
  const f = gen.next(count, months);
  return { fileName: f.fileName, response: f.summary, content: f.records.map((r) => `${formatIncomingRecordLine(r)}\n`).join('') };
}

function javaForm(a: JavaAgreement) {
  const { signedAtMs: _ms, ...rest } = a;
  return rest;
}

describe('agreements generator', () => {
  it('first call with defaults publishes exactly the fixture agreement (value, key, timestamp)', () => {
    const [a] = AgreementsGenerator.create().next(1);
    expect(a).toBeDefined();
    const expected: unknown = JSON.parse(fixture('agreements.jsonl').toString('utf8').trim());
    const message = agreementMessage('agreements', a!);
    expect(JSON.parse(String(message.value))).toEqual(expected);
    // Same key order and text as the fixture, compact.
    expect(message.value).toBe(JSON.stringify(expected));
    expect(message.key).toBe('48917846822');
    expect(message.timestamp).toBe(Date.parse('2019-12-19T23:00:00Z'));
    expect(agreementsSummary([a!])).toBe(
      'Total number of generated agreements: 1\nAgreements generated in order: 0b12c601-9287-3f5c-a78c-df508fe0f889',
    );
  });

  it('successive calls continue the sequences like the original (count 1, three calls)', () => {
    const gen = AgreementsGenerator.create();
    for (const expected of java.agreementsCount1x3) {
      const got = gen.next(1).map((a) => JSON.parse(javaAgreementCodec.encode(a)) as unknown);
      expect(got).toEqual(expected.map(javaForm));
    }
  });

  it('count 3, two calls: the same sequence, three at a time', () => {
    const gen = AgreementsGenerator.create();
    for (const expected of java.agreementsCount3x2) {
      const batch = gen.next(3);
      expect(batch.map((a) => JSON.parse(javaAgreementCodec.encode(a)) as unknown)).toEqual(expected.map(javaForm));
      expect(batch.map((a) => a.signedAt)).toEqual(expected.map((a) => a.signedAtMs));
    }
  });

  it('a clone generates the same batch and leaves the original untouched', () => {
    const gen = AgreementsGenerator.create();
    const draft = gen.clone();
    expect(draft.next(2)).toEqual(gen.next(2));
    expect(gen.count).toBe(2);
  });
});

describe('data-record files generator', () => {
  it('first call with defaults writes exactly the fixture file, byte for byte, with the same name', () => {
    const f = fileText(DataRecordFilesGenerator.create(), 1, 1);
    expect(f.fileName).toBe(FIXTURE_FILE);
    expect(Buffer.from(f.content, 'utf8').equals(fixture(FIXTURE_FILE))).toBe(true);
    expect(f.response).toBe('MSISDNs generated: 48917846822');
  });

  it('successive calls match the original across the DST change (count 1, four calls)', () => {
    const gen = DataRecordFilesGenerator.create();
    for (const expected of java.filesCount1Months1x4) expect(fileText(gen, 1, 1)).toEqual(expected);
  });

  it('after 29 March 2020 lines read T01:00+02:00[Europe/Warsaw]', () => {
    const gen = DataRecordFilesGenerator.create();
    gen.next(1, 1);
    gen.next(1, 1);
    const march = gen.next(1, 1).records.map(formatIncomingRecordLine);
    expect(march.find((l) => l.includes('2020-03-29T'))).toContain(';2020-03-29T00:00+01:00[Europe/Warsaw];');
    expect(march.find((l) => l.includes('2020-03-30T'))).toContain(';2020-03-30T01:00+02:00[Europe/Warsaw];');
    expect(march.at(-1)).toContain(';2020-04-01T01:00+02:00[Europe/Warsaw];');
  });

  it('count 5, months 2, two calls: the same lines, file names and HashSet-ordered response as the original', () => {
    const gen = DataRecordFilesGenerator.create();
    for (const expected of java.filesCount5Months2x2) expect(fileText(gen, 5, 2)).toEqual(expected);
  });

  it('different counts keep separate sequences but share the file counter and name Random', () => {
    const gen = DataRecordFilesGenerator.create();
    const first = fileText(gen, 5, 2);
    const second = fileText(gen, 1, 1);
    expect(first).toEqual(java.filesCount5Months2x2[0]);
    // count 1 starts at its own beginning (2 January), named with the shared counter and Random
    expect(second.content).toBe(java.filesCount1Months1x4[0]?.content);
    expect(second.fileName).toBe(java.filesCount5Months2x2[1]?.fileName.replace(/_\d{4}-\d{2}-\d{2}_/, '_2020-01-02_'));
  });
});

describe('direct data-record generator', () => {
  it('matches the original: ids restart each call, time carries on (count 2, months 1, two calls)', () => {
    const gen = DirectDataRecordsGenerator.create();
    for (const expected of java.directCount2Months1x2) {
      const got = gen.next(2, 1).map(({ agreementId, recordedAt, internalRecordId, recordedBytes }) => ({
        agreementId,
        recordedAtMs: recordedAt,
        internalRecordId,
        recordedBytes,
      }));
      expect(got).toEqual(expected);
    }
  });

  it('first record is the one of the original README (82b6a30a-…)', () => {
    const records = DirectDataRecordsGenerator.create().next(1, 1);
    expect(records[0]).toMatchObject({
      agreementId: '0b12c601-9287-3f5c-a78c-df508fe0f889',
      internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56',
      recordedAt: Date.parse('2020-01-01T23:00:00Z'),
    });
    expect(directRecordsSummary(records)).toBe(
      `Total number of generated records: ${records.length}\nAgreements generated in order: 0b12c601-9287-3f5c-a78c-df508fe0f889`,
    );
  });
});

describe('snapshots (what the sequences store): a restored generator continues exactly', () => {
  it('agreements: restore(snapshot) gives the next agreements of the one sequence', () => {
    const live = AgreementsGenerator.create();
    live.next(2);
    const restored = AgreementsGenerator.restore(JSON.parse(JSON.stringify(live.snapshot())) as ReturnType<typeof live.snapshot>);
    expect(restored.count).toBe(2);
    expect(restored.next(3)).toEqual(live.next(3));
    expect(AgreementsGenerator.restore(AgreementsGenerator.create().snapshot()).next(1)[0]?.id).toBe('0b12c601-9287-3f5c-a78c-df508fe0f889');
  });

  it('files: after a restore, the next file of every count is the one the live generator writes (names, lines, DST)', () => {
    const live = DataRecordFilesGenerator.create();
    fileText(live, 1, 1);
    fileText(live, 5, 2);
    fileText(live, 1, 2);
    const snapshot = live.snapshot();
    expect(snapshot).toEqual({ files: 3, nameRandom: expect.stringMatching(/^\d+$/) as unknown, populations: { '1': { days: 31 + 60 }, '5': { days: 60 } } });
    const restored = DataRecordFilesGenerator.restore(JSON.parse(JSON.stringify(snapshot)) as typeof snapshot);
    // a restored population not used yet is kept in the next snapshot as it was
    expect(restored.snapshot()).toEqual(snapshot);
    expect(fileText(restored, 5, 2)).toEqual(fileText(live, 5, 2));
    expect(restored.lines(1, 1)).toBe(live.lines(1, 1));
    expect(fileText(restored, 1, 1)).toEqual(fileText(live, 1, 1));
    expect(fileText(restored, 3, 1)).toEqual(fileText(live, 3, 1));
    expect(restored.snapshot()).toEqual(live.snapshot());
  });

  it('files: the second file of a restored count-1 generator is the original\'s (February, idr_001)', () => {
    const first = DataRecordFilesGenerator.create();
    fileText(first, 1, 1);
    const restored = DataRecordFilesGenerator.restore(first.snapshot());
    expect(fileText(restored, 1, 1)).toEqual(java.filesCount1Months1x4[1]);
  });

  it('lines(count, months) is the number of lines next() writes', () => {
    const gen = DataRecordFilesGenerator.create();
    for (const [count, months] of [[1, 1], [5, 2], [1, 12], [3, 1]] as const) {
      const expected = gen.lines(count, months);
      expect(gen.next(count, months).records).toHaveLength(expected);
    }
  });

  it('direct records: restore(snapshot) continues in time; lines() counts what next() produces', () => {
    const live = DirectDataRecordsGenerator.create();
    live.next(2, 1);
    const restored = DirectDataRecordsGenerator.restore(live.snapshot());
    expect(restored.lines(3, 2)).toBe(live.lines(3, 2));
    const expected = live.lines(3, 2);
    expect(restored.next(3, 2)).toEqual(live.next(3, 2));
    expect(restored.snapshot()).toEqual(live.snapshot());
    expect(live.snapshot().begin).toBeGreaterThan(0);
    expect(expected).toBeGreaterThan(3 * 58);
  });
});

describe('ZonedDateTime.toString()', () => {
  it.each(java.zonedToString)('%d → %s', (ms, text) => {
    expect(formatZonedTimestamp(ms, 'Europe/Warsaw')).toBe(text);
  });
});
