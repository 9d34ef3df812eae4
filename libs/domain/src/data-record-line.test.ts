import { describe, expect, it } from 'vitest';
import { formatDataRecordLine, parseDataRecordLine, toImportedRecord } from './data-record-line';
import { internalRecordId } from './internal-id';

const GOOD = '8aae90a1-c2e7-33e5-9fab-f8f3e1900906;2020-01-02T00:00+01:00[Europe/Warsaw];48917846822;825012938';

function failure(line: string) {
  const r = parseDataRecordLine(line);
  if (r.ok) throw new Error(`expected ${JSON.stringify(line)} to be rejected`);
  return r.error;
}

describe('parseDataRecordLine', () => {
  it('parses a line of the original format', () => {
    expect(parseDataRecordLine(GOOD)).toEqual({
      ok: true,
      value: {
        externalId: '8aae90a1-c2e7-33e5-9fab-f8f3e1900906',
        recordedAt: Date.UTC(2020, 0, 1, 23),
        msisdn: '48917846822',
        recordedBytes: 825012938n,
      },
    });
  });

  it('tolerates a CRLF line ending and upper-case UUIDs (normalised)', () => {
    const r = parseDataRecordLine(`${GOOD.toUpperCase().replace('T00:00+01:00[EUROPE/WARSAW]', 'T00:00+01:00[Europe/Warsaw]')}\r`);
    expect(r.ok && r.value.externalId).toBe('8aae90a1-c2e7-33e5-9fab-f8f3e1900906');
  });

  it.each([
    ['0', 0n],
    ['2^53 − 1', 9007199254740991n],
    ['2^53', 9007199254740992n],
    ['2^53 + 1', 9007199254740993n],
    ['2^63 − 1', 9223372036854775807n],
  ])('keeps byte counts exact up to 2^63 − 1: %s', (_name, bytes) => {
    const r = parseDataRecordLine(GOOD.replace(/;\d+$/, `;${bytes}`));
    expect(r.ok && r.value.recordedBytes).toBe(bytes);
  });

  it.each([
    ['2^63', '9223372036854775808'],
    ['2^64', '18446744073709551616'],
    ['20 digits', '99999999999999999999'],
    ['30 digits', '123456789012345678901234567890'],
  ])('refuses %s bytes, naming the limit 2^63 − 1', (_name, bytes) => {
    const e = failure(GOOD.replace(/;\d+$/, `;${bytes}`));
    expect([e.reason, e.field, e.value]).toEqual(['invalid-recorded-bytes', 'recordedBytes', bytes]);
    expect(e.message).toBe(`recordedBytes "${bytes}": must not exceed 9223372036854775807 (2^63 − 1)`);
  });

  it('rejects a blank line', () => {
    expect(failure('').reason).toBe('blank-line');
    expect(failure('   ').reason).toBe('blank-line');
    expect(failure('\r').reason).toBe('blank-line');
  });

  it('rejects a wrong field count', () => {
    expect(failure('a;b;c').reason).toBe('field-count');
    expect(failure(`${GOOD};extra`).reason).toBe('field-count');
    expect(failure(GOOD.replaceAll(';', ',')).message).toContain('found 1');
  });

  it('rejects a bad UUID', () => {
    const e = failure(GOOD.replace('8aae90a1', '8aae90a'));
    expect([e.reason, e.field, e.value]).toEqual(['invalid-external-id', 'externalId', '8aae90a-c2e7-33e5-9fab-f8f3e1900906']);
    expect(failure(`not-a-uuid${GOOD.slice(36)}`).reason).toBe('invalid-external-id');
  });

  it('rejects a bad date, an unknown zone and an inconsistent offset', () => {
    expect(failure(GOOD.replace('2020-01-02', '2020-02-30')).reason).toBe('invalid-recorded-at');
    const zone = failure(GOOD.replace('Europe/Warsaw', 'Europe/Atlantis'));
    expect([zone.reason, zone.field]).toEqual(['invalid-recorded-at', 'recordedAt']);
    expect(zone.message).toContain('unknown time zone');
    expect(failure(GOOD.replace('+01:00', '+02:00')).message).toContain('not +02:00');
    expect(failure(GOOD.replace('T00:00+01:00[Europe/Warsaw]', 'T00:00')).reason).toBe('invalid-recorded-at');
  });

  it('rejects a bad msisdn', () => {
    expect(failure(GOOD.replace('48917846822', '+48917846822')).reason).toBe('invalid-msisdn');
    expect(failure(GOOD.replace('48917846822', '')).reason).toBe('invalid-msisdn');
    expect(failure(GOOD.replace('48917846822', '1234567890123456')).reason).toBe('invalid-msisdn');
  });

  it.each([
    ['negative', '-1'],
    ['non-integer', '1.5'],
    ['exponent', '1e3'],
    ['plus sign', '+5'],
    ['leading space', ' 5'],
    ['trailing space', '5 '],
    ['leading zero', '05'],
    ['empty', ''],
    ['hex', '0x10'],
    ['past 2^63 − 1', '9223372036854775808'],
    ['far past 2^63', '123456789012345678901234567890'],
  ])('rejects %s byte counts (%j)', (_name, bytes) => {
    const e = failure(GOOD.replace(/;\d+$/, `;${bytes}`));
    expect([e.reason, e.field, e.value]).toEqual(['invalid-recorded-bytes', 'recordedBytes', bytes]);
  });

  it('is an instance of a typed error class with a name', () => {
    const e = failure('');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('DataRecordLineError');
  });
});

describe('formatDataRecordLine and toImportedRecord', () => {
  it('writes the original line back', () => {
    const r = parseDataRecordLine(GOOD);
    if (!r.ok) throw r.error;
    expect(formatDataRecordLine(r.value, 'Europe/Warsaw')).toBe(GOOD);
  });

  it('gives the record its internal id and provenance', () => {
    const r = parseDataRecordLine(GOOD);
    if (!r.ok) throw r.error;
    expect(toImportedRecord(r.value)).toEqual({ ...r.value, internalId: internalRecordId(r.value) });
    expect(toImportedRecord(r.value, { file: 'idr_000.csv', line: 1 }).source).toEqual({ file: 'idr_000.csv', line: 1 });
  });
});
