import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasSixteenDigitRun, parseExact, stringifyExact, toWireInteger } from './exact-json';
import { aggregateCodec, type Aggregate } from './messages/aggregate';
import { agreementCodec, javaAgreementCodec, type Agreement } from './messages/agreement';
import { dataRecordCodec, type DataRecord } from './messages/data-record';
import { importedRecordCodec, type ImportedRecord } from './messages/imported-record';
import { MAX_BYTE_COUNT } from './scalars';

const LIMITS: [string, bigint][] = [
  ['0', 0n],
  ['2^53 − 1', 2n ** 53n - 1n],
  ['2^53', 2n ** 53n],
  ['2^53 + 1', 2n ** 53n + 1n],
  ['2^63 − 1', 2n ** 63n - 1n],
];

describe('hasSixteenDigitRun', () => {
  it('is /\\d{16}/.test, for any text (property)', () => {
    const chars = fc.constantFrom('0', '1', '9', '5', ',', '"', 'a', ':', '.');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 120 }).map((cs) => cs.join('')), (text) => {
        expect(hasSixteenDigitRun(text)).toBe(/\d{16}/.test(text));
      }),
      { numRuns: 2000 },
    );
    for (const text of ['1234567890123456', 'x1234567890123456', '123456789012345', '{"a":123456789012345,"b":1234567890123456}', '']) {
      expect(hasSixteenDigitRun(text)).toBe(/\d{16}/.test(text));
    }
  });
});

describe('parseExact', () => {
  it('is JSON.parse for texts without a run of 16 digits', () => {
    const text = '{"a":123456789012345,"b":-1.5e300,"c":[true,null,"x\\u00e9"],"d":{"e":0.1}}';
    expect(parseExact(text)).toEqual(JSON.parse(text));
  });

  it('turns integers beyond 2^53 − 1 into bigints, keeps safe ones numbers', () => {
    expect(parseExact('{"a":9223372036854775807,"b":9007199254740991,"c":[9007199254740993,-9223372036854775808],"s":"12345678901234567890"}')).toEqual({
      a: 9223372036854775807n,
      b: 9007199254740991,
      c: [9007199254740993n, -9223372036854775808n],
      s: '12345678901234567890',
    });
  });

  it('keeps fractions and exponents doubles, as JSON.parse does', () => {
    expect(parseExact('[1234567890123456.5,1e20,12345678901234567e3]')).toEqual(JSON.parse('[1234567890123456.5,1e20,12345678901234567e3]'));
  });

  it('keeps the last of duplicate keys and throws SyntaxError on malformed JSON, like JSON.parse', () => {
    expect(parseExact('{"a":1,"a":12345678901234567890}')).toEqual({ a: 12345678901234567890n });
    for (const text of ['{"a":12345678901234567890', '', '[1234567890123456789,]', '{"a":01234567890123456789}']) {
      expect(() => parseExact(text)).toThrow(SyntaxError);
    }
  });

  it('agrees with JSON.parse on any JSON value, except that unsafe integers are exact bigints (property)', () => {
    const bigintsAsNumbers = (v: unknown): unknown => {
      if (typeof v === 'bigint') {
        expect(Number.isSafeInteger(Number(v))).toBe(false);
        return Number(v);
      }
      if (Array.isArray(v)) return v.map(bigintsAsNumbers);
      if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bigintsAsNumbers(x)]));
      return v;
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        expect(bigintsAsNumbers(parseExact(text))).toEqual(JSON.parse(text));
      }),
    );
  });

  it('parses every integer of 64 bits exactly (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        const got = parseExact(`{"n":${n}}`) as { n: number | bigint };
        expect(BigInt(got.n)).toBe(n);
        expect(typeof got.n).toBe(Number.isSafeInteger(Number(n)) && BigInt(Number(n)) === n ? 'number' : 'bigint');
      }),
    );
  });
});

describe('stringifyExact', () => {
  it('is JSON.stringify without bigints', () => {
    const value = { a: 1, b: 'x', c: [null, true, 1.5], d: undefined, e: new Date(0) };
    expect(stringifyExact(value)).toBe(JSON.stringify(value));
  });

  it('writes bigints as JSON numbers, digit for digit, and round-trips with parseExact', () => {
    const value = { total: 9223372036854775807n, small: 5n, list: [2n ** 53n + 1n, 1], s: 'a"b', d: undefined };
    const text = stringifyExact(value);
    expect(text).toBe('{"total":9223372036854775807,"small":5,"list":[9007199254740993,1],"s":"a\\"b"}');
    expect(parseExact(text)).toEqual({ total: 9223372036854775807n, small: 5, list: [9007199254740993n, 1], s: 'a"b' });
  });

  it('still throws on what JSON.stringify refuses for other reasons', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => stringifyExact(cyclic)).toThrow(TypeError);
  });

  it('toWireInteger gives numbers up to 2^53 − 1 and bigints beyond', () => {
    expect(toWireInteger(0n)).toBe(0);
    expect(toWireInteger(2n ** 53n - 1n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(toWireInteger(2n ** 53n)).toBe(2n ** 53n);
    expect(toWireInteger(-(2n ** 53n))).toBe(-(2n ** 53n));
  });
});

describe('every codec round-trips byte counts exactly up to 2^63 − 1 as JSON numbers', () => {
  const agreement: Agreement = {
    id: '0b12c601-9287-3f5c-a78c-df508fe0f889',
    msisdn: '48917846822',
    signedAt: Date.UTC(2019, 11, 19, 23),
    serviceStartAt: Date.UTC(2019, 11, 31, 23),
    billingPeriodTimeZone: 'Europe/Warsaw',
    maxBytesInBillingPeriod: 0n,
  };
  const imported: ImportedRecord = {
    externalId: '523d8cc7-e611-3508-90bc-fab260b2973e',
    recordedAt: Date.UTC(2020, 0, 10, 23),
    msisdn: '48917846822',
    recordedBytes: 0n,
    internalId: '2d1a3a3c-0f44-5d8e-8a57-3c3f3a3b3c3d',
    source: { file: 'idr.csv', line: 3 },
  };
  const dataRecord: DataRecord = {
    agreementId: agreement.id,
    year: 2020,
    month: 1,
    recordedAt: imported.recordedAt,
    internalRecordId: imported.internalId,
    recordedBytes: 0n,
  };
  const aggregate: Aggregate = {
    agreementId: agreement.id,
    year: 2020,
    month: 1,
    latestRecordedAt: imported.recordedAt,
    latestInternalRecordId: imported.internalId,
    totalRecordedBytes: 0n,
    billingPeriodTimeZone: 'Europe/Warsaw',
    maxBytesInBillingPeriod: 0n,
    type: 'DATA_PLAN_EXCEEDED',
  };

  it.each(LIMITS)('%s', (_name, n) => {
    const cases: [string, { encode(v: never): string; decode(t: string): unknown }, unknown][] = [
      ['maxBytesInBillingPeriod', agreementCodec, { ...agreement, maxBytesInBillingPeriod: n }],
      ['maxBytesInBillingPeriod', javaAgreementCodec, { ...agreement, maxBytesInBillingPeriod: n }],
      ['recordedBytes', importedRecordCodec, { ...imported, recordedBytes: n }],
      ['recordedBytes', dataRecordCodec, { ...dataRecord, recordedBytes: n }],
      ['totalRecordedBytes', aggregateCodec, { ...aggregate, totalRecordedBytes: n, maxBytesInBillingPeriod: n }],
    ];
    for (const [field, codec, value] of cases) {
      const text = codec.encode(value as never);
      // A JSON number, not a string: `"field":<digits>` followed by , or }.
      expect(text).toMatch(new RegExp(`"${field}":${n}[,}]`));
      expect(codec.decode(text)).toEqual({ ok: true, value });
    }
    // The importer writes toJson with stringifyExact: the same text as encode.
    expect(stringifyExact(importedRecordCodec.toJson({ ...imported, recordedBytes: n }))).toBe(importedRecordCodec.encode({ ...imported, recordedBytes: n }));
  });

  it('any byte count 0 … 2^63 − 1 (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_BYTE_COUNT }), (n) => {
        expect(importedRecordCodec.decode(importedRecordCodec.encode({ ...imported, recordedBytes: n }))).toEqual({ ok: true, value: { ...imported, recordedBytes: n } });
        expect(aggregateCodec.decode(aggregateCodec.encode({ ...aggregate, totalRecordedBytes: n }))).toEqual({ ok: true, value: { ...aggregate, totalRecordedBytes: n } });
      }),
    );
  });

  it('refuses 2^63 and beyond on decode, naming the limit, and a double that lost digits', () => {
    const text = importedRecordCodec.encode(imported).replace('"recordedBytes":0', '"recordedBytes":9223372036854775808');
    const r = importedRecordCodec.decode(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('recordedBytes: must not exceed 9223372036854775807 (2^63 − 1)');
    const lossy = importedRecordCodec.fromJson({ ...importedRecordCodec.toJson(imported), recordedBytes: 2 ** 53 + 2 });
    expect(lossy.ok).toBe(false);
    if (!lossy.ok) expect(lossy.error.message).toContain('must be an exact integer');
    expect(importedRecordCodec.fromJson({ ...importedRecordCodec.toJson(imported), recordedBytes: -1n }).ok).toBe(false);
    expect(importedRecordCodec.decode(text.replace('9223372036854775808', '1e3')).ok).toBe(true);
    expect(importedRecordCodec.decode(text.replace('9223372036854775808', '1.5')).ok).toBe(false);
  });
});
