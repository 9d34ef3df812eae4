import { describe, expect, it } from 'vitest';
import { billingPeriodOf } from './billing-period';
import { stringifyExact } from '@mobilecs/domain';
import { parseJsonBody, parsePeriod, parseUpsertRequest, totalDataUsedText } from './data-records';
import { BadRequestError } from './errors';
import { GraphQLLong } from './graphql/long';

describe('total-data-used text', () => {
  it('prints B, KB, MB, GB rounded half up like BigDecimal HALF_UP', () => {
    expect(totalDataUsedText(13_559_994_361n)).toBe('13559994361 B\n13242182 KB\n12932 MB\n13 GB');
    expect(totalDataUsedText(0n)).toBe('0 B\n0 KB\n0 MB\n0 GB');
    expect(totalDataUsedText(512n)).toBe('512 B\n1 KB\n0 MB\n0 GB');
    expect(totalDataUsedText(511n)).toBe('511 B\n0 KB\n0 MB\n0 GB');
  });

  it('is exact beyond 2^53', () => {
    expect(totalDataUsedText(2n ** 62n + 1n).split('\n')[0]).toBe('4611686018427387905 B');
  });
});

describe('validation', () => {
  it('accepts the original README PUT body and the Java timestamp form', () => {
    expect(
      parseUpsertRequest({ recordedAt: '2020-01-01T23:00:00.000+00:00', internalRecordId: '82B6A30A-B659-3A4D-85F7-2771B6F69F56', recordedBytes: 123456 }),
    ).toEqual({ recordedAt: Date.parse('2020-01-01T23:00:00Z'), internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: 123456n });
    expect(
      parseUpsertRequest({ recordedAt: '2020-01-02T00:00+01:00[Europe/Warsaw]', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: '5368709120' }).recordedBytes,
    ).toBe(5_368_709_120n);
  });

  it('accepts byte counts up to 2^63 − 1, exactly, as a number parsed from the body or a string of digits', () => {
    const body = parseJsonBody('{"recordedAt":"2020-01-01T23:00:00Z","internalRecordId":"82b6a30a-b659-3a4d-85f7-2771b6f69f56","recordedBytes":9223372036854775807}');
    expect(parseUpsertRequest(body).recordedBytes).toBe(2n ** 63n - 1n);
    expect(parseUpsertRequest({ ...(body as object), recordedBytes: '9007199254740993' }).recordedBytes).toBe(9007199254740993n);
    expect(() => parseUpsertRequest({ ...(body as object), recordedBytes: '9223372036854775808' })).toThrow(
      /recordedBytes: must not exceed 9223372036854775807 \(2\^63 − 1\)/,
    );
    expect(() => parseJsonBody('{"recordedBytes":')).toThrow(/malformed JSON/);
    expect(parseJsonBody('')).toBeUndefined();
  });

  it.each([
    [{ recordedAt: 'yesterday', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: 1 }, /recordedAt/],
    [{ recordedAt: '2020-01-01T23:00:00Z', internalRecordId: 'nope', recordedBytes: 1 }, /internalRecordId/],
    [{ recordedAt: '2020-01-01T23:00:00Z', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: -1 }, /recordedBytes/],
    [{ recordedAt: '2020-01-01T23:00:00Z', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: 1.5 }, /recordedBytes/],
    [{ recordedAt: '2020-01-01T23:00:00Z', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: '9223372036854775808' }, /recordedBytes/],
    [{ recordedAt: '2020-01-01T23:00:00Z', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: 2 ** 53 + 2 }, /recordedBytes: must be an exact integer/],
    [{ recordedAt: '2020-01-01T23:00:00Z', internalRecordId: '82b6a30a-b659-3a4d-85f7-2771b6f69f56', recordedBytes: null }, /recordedBytes: must be an integer from 0/],
    [[1, 2], /JSON object/],
    [undefined, /JSON object/],
  ])('rejects %j', (body, message) => {
    expect(() => parseUpsertRequest(body)).toThrow(BadRequestError);
    expect(() => parseUpsertRequest(body)).toThrow(message);
  });

  it('rejects month 13, month 0 and non-numeric years', () => {
    expect(parsePeriod('2020', '01')).toEqual({ year: 2020, month: 1 });
    expect(() => parsePeriod('2020', '13')).toThrow(/month "13" must be an integer from 1 to 12/);
    expect(() => parsePeriod('2020', '0')).toThrow(BadRequestError);
    expect(() => parsePeriod('20x0', '1')).toThrow(/year/);
  });
});

describe('billing period (calendar month in the zone)', () => {
  it('uses the local month, not UTC and not minus one second', () => {
    expect(billingPeriodOf(Date.parse('2020-01-31T23:00:00Z'), 'Europe/Warsaw')).toEqual({ year: 2020, month: 2 });
    expect(billingPeriodOf(Date.parse('2020-01-31T22:59:59.999Z'), 'Europe/Warsaw')).toEqual({ year: 2020, month: 1 });
  });
});

describe('exact JSON and the Long scalar', () => {
  it('writes bigints as JSON numbers digit for digit', () => {
    expect(stringifyExact({ a: 2n ** 63n - 1n, b: [1n], s: 'x' })).toBe('{"a":9223372036854775807,"b":[1],"s":"x"}');
  });

  it('Long: numbers when safe, strings beyond 2^53, exact parsing', () => {
    expect(GraphQLLong.serialize(5_368_709_120n)).toBe(5_368_709_120);
    expect(GraphQLLong.serialize(2n ** 53n)).toBe('9007199254740992');
    expect(GraphQLLong.parseValue('9223372036854775807')).toBe(2n ** 63n - 1n);
    expect(GraphQLLong.parseValue(2n ** 63n - 1n)).toBe(2n ** 63n - 1n);
    expect(() => GraphQLLong.parseValue(2n ** 63n)).toThrow(/64-bit/);
    expect(() => GraphQLLong.parseValue(2 ** 53)).toThrow(/not an exact integer/);
    expect(() => GraphQLLong.parseValue('9223372036854775808')).toThrow(/64-bit/);
    expect(() => GraphQLLong.parseValue(1.5)).toThrow();
  });
});
