import { describe, expect, it } from 'vitest';
import { aggregateCodec, type Aggregate } from './aggregate';
import { agreementCodec, javaAgreementCodec } from './agreement';
import { dataRecordCodec } from './data-record';
import { deadLetterCodec, lateRecordCodec } from './dead-letter';
import { importedRecordCodec } from './imported-record';
import { MessageEncodeError } from '../errors';

const AGREEMENT_JAVA =
  '{"id":"0b12c601-9287-3f5c-a78c-df508fe0f889","msisdn":"48917846822","signedAt":"2019-12-20T00:00+01:00[Europe/Warsaw]","serviceStartAt":"2020-01-01T00:00+01:00[Europe/Warsaw]","billingPeriodTimeZone":"Europe/Warsaw","maxBytesInBillingPeriod":5368709120}';

const agreement = {
  id: '0b12c601-9287-3f5c-a78c-df508fe0f889',
  msisdn: '48917846822',
  signedAt: Date.UTC(2019, 11, 19, 23),
  serviceStartAt: Date.UTC(2019, 11, 31, 23),
  billingPeriodTimeZone: 'Europe/Warsaw',
  maxBytesInBillingPeriod: 5368709120n,
};

describe('Agreement codec', () => {
  it("decodes the original's Java form from a string and from a Buffer", () => {
    expect(agreementCodec.decode(AGREEMENT_JAVA)).toEqual({ ok: true, value: agreement });
    expect(agreementCodec.decode(Buffer.from(AGREEMENT_JAVA, 'utf8'))).toEqual({ ok: true, value: agreement });
  });

  it('encodes ISO-8601 UTC and decodes it back', () => {
    const text = agreementCodec.encode(agreement);
    expect(text).toBe(
      '{"id":"0b12c601-9287-3f5c-a78c-df508fe0f889","msisdn":"48917846822","signedAt":"2019-12-19T23:00:00.000Z","serviceStartAt":"2019-12-31T23:00:00.000Z","billingPeriodTimeZone":"Europe/Warsaw","maxBytesInBillingPeriod":5368709120}',
    );
    expect(agreementCodec.decode(text)).toEqual({ ok: true, value: agreement });
  });

  it("encodes the original's Java form when asked", () => {
    expect(javaAgreementCodec.encode(agreement)).toBe(AGREEMENT_JAVA);
  });

  it('reports malformed JSON and invalid UTF-8 as typed errors', () => {
    for (const raw of ['{"id":', Buffer.from([0x7b, 0xff, 0x7d]), '']) {
      const r = agreementCodec.decode(raw);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.name).toBe('MessageDecodeError');
        expect(r.error.reason).toBe('malformed-json');
        expect(r.error.messageType).toBe('Agreement');
      }
    }
  });

  it('reports every invalid field with its path', () => {
    const r = agreementCodec.decode(
      JSON.stringify({ ...JSON.parse(AGREEMENT_JAVA), id: 'x', billingPeriodTimeZone: 'Mars/Olympus', maxBytesInBillingPeriod: 2 ** 64 }),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.reason).toBe('invalid-message');
      expect([...new Set(r.error.issues.map((i) => i.path))].sort()).toEqual(['billingPeriodTimeZone', 'id', 'maxBytesInBillingPeriod']);
      expect(r.error.message).toContain('unknown IANA time zone "Mars/Olympus"');
    }
    const notObject = agreementCodec.decode('[1,2]');
    expect(notObject.ok).toBe(false);
  });

  it('refuses to encode an invalid value, with a typed error', () => {
    expect(() => agreementCodec.encode({ ...agreement, maxBytesInBillingPeriod: -1n })).toThrow(MessageEncodeError);
    expect(() => agreementCodec.encode({ ...agreement, maxBytesInBillingPeriod: 2n ** 63n })).toThrow(MessageEncodeError);
  });
});

describe('ImportedRecord codec', () => {
  const record = {
    externalId: '523d8cc7-e611-3508-90bc-fab260b2973e',
    recordedAt: Date.UTC(2020, 0, 10, 23),
    msisdn: '48917846822',
    recordedBytes: 362570622n,
    internalId: '2d1a3a3c-0f44-5d8e-8a57-3c3f3a3b3c3d',
  };

  it('writes recordedAt as ISO-8601 UTC with millis and round-trips, with and without provenance', () => {
    expect(JSON.parse(importedRecordCodec.encode(record))).toEqual({ ...record, recordedBytes: 362570622, recordedAt: '2020-01-10T23:00:00.000Z' });
    const withSource = { ...record, source: { file: 'idr_000.csv', line: 10 } };
    expect(importedRecordCodec.decode(importedRecordCodec.encode(withSource))).toEqual({ ok: true, value: withSource });
    expect(importedRecordCodec.decode(importedRecordCodec.encode(record))).toEqual({ ok: true, value: record });
  });

  it('accepts the Java form on input', () => {
    const r = importedRecordCodec.fromJson({ ...record, recordedAt: '2020-01-11T00:00+01:00[Europe/Warsaw]' });
    expect(r).toEqual({ ok: true, value: record });
  });

  it('rejects byte counts that are not exact integers', () => {
    for (const recordedBytes of [-1, 1.5, 2 ** 53, '5', null]) {
      expect(importedRecordCodec.fromJson({ ...record, recordedAt: '2020-01-10T23:00:00.000Z', recordedBytes }).ok).toBe(false);
    }
  });
});

describe('DataRecord codec', () => {
  it('round-trips and rejects month 13', () => {
    const dr = {
      agreementId: '0b12c601-9287-3f5c-a78c-df508fe0f889',
      year: 2020,
      month: 1,
      recordedAt: Date.UTC(2020, 0, 10, 23),
      internalRecordId: '2d1a3a3c-0f44-5d8e-8a57-3c3f3a3b3c3d',
      recordedBytes: 5n,
    };
    expect(dataRecordCodec.decode(dataRecordCodec.encode(dr))).toEqual({ ok: true, value: dr });
    expect(dataRecordCodec.fromJson({ ...dataRecordCodec.toJson(dr), month: 13 }).ok).toBe(false);
  });
});

describe('Aggregate codec', () => {
  const aggregate: Aggregate = {
    agreementId: '0b12c601-9287-3f5c-a78c-df508fe0f889',
    year: 2020,
    month: 1,
    latestRecordedAt: Date.UTC(2020, 0, 10, 23),
    latestInternalRecordId: '2d1a3a3c-0f44-5d8e-8a57-3c3f3a3b3c3d',
    totalRecordedBytes: 5697948758n,
    billingPeriodTimeZone: 'Europe/Warsaw',
    maxBytesInBillingPeriod: 5368709120n,
    type: 'DATA_PLAN_EXCEEDED',
  };

  it('writes the spec field order with latestRecordedAt in ISO-8601 UTC', () => {
    expect(aggregateCodec.encode(aggregate)).toBe(
      '{"agreementId":"0b12c601-9287-3f5c-a78c-df508fe0f889","year":2020,"month":1,"latestRecordedAt":"2020-01-10T23:00:00.000Z","latestInternalRecordId":"2d1a3a3c-0f44-5d8e-8a57-3c3f3a3b3c3d","totalRecordedBytes":5697948758,"billingPeriodTimeZone":"Europe/Warsaw","maxBytesInBillingPeriod":5368709120,"type":"DATA_PLAN_EXCEEDED"}',
    );
    expect(aggregateCodec.decode(aggregateCodec.encode(aggregate))).toEqual({ ok: true, value: aggregate });
  });

  it('rejects an unknown type', () => {
    expect(aggregateCodec.fromJson({ ...aggregateCodec.toJson(aggregate), type: 'WHATEVER' }).ok).toBe(false);
  });
});

describe('dead letters and late records (one codec per topic)', () => {
  it('a dead letter keeps the fields of its reason; the envelope is checked on the way out', () => {
    const line = { source: { file: 'a.csv', line: 3, offset: 120 }, reason: 'malformed-line', message: 'a.csv:3: bad', raw: 'x;y', rawBytes: 3, rejectedAt: '2026-12-04T00:00:00.000Z' };
    const decoded = deadLetterCodec.decode(deadLetterCodec.encode(line));
    expect(decoded.ok && decoded.value).toEqual(line);
    const kafka = { source: { topic: 'agreements', partition: 1, offset: '42' }, reason: 'key-mismatch', message: 'm', key: 'k', rejectedAt: '2026-12-04T00:00:00.000Z' };
    expect(JSON.parse(deadLetterCodec.encode(kafka))).toEqual(kafka);
    expect(() => deadLetterCodec.encode({ ...kafka, source: { topic: 'agreements', partition: -1 } })).toThrow(/DeadLetter/);
    expect(() => deadLetterCodec.encode({ ...kafka, rejectedAt: 'yesterday' })).toThrow(/rejectedAt/);
    expect(deadLetterCodec.decode('{"reason":"x"}').ok).toBe(false);
    const late = { agreementId: '0b12c601-9287-3f5c-a78c-df508fe0f889', year: 2020, month: 1, recordedAt: Date.parse('2020-01-31T23:00:00Z'), internalRecordId: '8aae90a1-c2e7-33e5-9fab-f8f3e1900906', recordedBytes: 9_007_199_254_740_993n, reason: 'closed' };
    const text = lateRecordCodec.encode(late);
    expect(text).toContain('"recordedBytes":9007199254740993');
    const back = lateRecordCodec.decode(text);
    expect(back.ok && back.value).toEqual(late);
  });
});
