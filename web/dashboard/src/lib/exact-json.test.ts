import { describe, expect, it } from 'vitest';
import { parseJsonExact, reviverHasSource, toBigInt } from './exact-json';

describe('parseJsonExact', () => {
  it('keeps safe integers and other values as JSON.parse does', () => {
    const text = '{"a":1,"b":-2.5,"c":"9007199254740993","d":[true,null],"e":9007199254740991,"f":1e3}';
    expect(parseJsonExact(text)).toEqual(JSON.parse(text));
  });

  it('turns integers beyond 2^53 − 1 into exact bigints', () => {
    const parsed = parseJsonExact('{"totalRecordedBytes":9223372036854775807,"plan":9007199254740993,"neg":-9007199254740993}') as Record<string, unknown>;
    expect(parsed['totalRecordedBytes']).toBe(9223372036854775807n);
    expect(parsed['plan']).toBe(9007199254740993n);
    expect(parsed['neg']).toBe(-9007199254740993n);
  });

  it('turns 2^53 itself into a bigint (not a safe integer), and beyond-2^63 sums too', () => {
    const parsed = parseJsonExact('[9007199254740992, 123456789012345678901234567890]') as unknown[];
    expect(parsed).toEqual([9007199254740992n, 123456789012345678901234567890n]);
  });

  it('leaves a big non-integer number a number', () => {
    const text = '[1e300, 12345678901234567890.5]';
    expect(parseJsonExact(text)).toEqual(JSON.parse(text));
    expect((parseJsonExact(text) as unknown[]).every((v) => typeof v === 'number')).toBe(true);
  });

  it('throws SyntaxError on bad JSON', () => {
    expect(() => parseJsonExact('{"a":')).toThrow(SyntaxError);
  });

  it('runs on an engine that gives the reviver the source text', () => {
    expect(reviverHasSource()).toBe(true);
  });
});

describe('toBigInt', () => {
  it('converts numbers and passes bigints', () => {
    expect(toBigInt(42)).toBe(42n);
    expect(toBigInt(2n ** 70n)).toBe(2n ** 70n);
  });
  it('refuses a fraction', () => {
    expect(() => toBigInt(1.5)).toThrow(RangeError);
  });
});
