import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { boundRaw, checkNotInFuture, FutureTimestampError, latestPlausibleEventTime } from './index';

describe('checkNotInFuture', () => {
  const now = Date.UTC(2026, 11, 4, 12);
  it('accepts the past (a 2020 backfill) and up to the tolerance ahead', () => {
    expect(checkNotInFuture(Date.UTC(2020, 0, 1), now, 3_600_000)).toBeUndefined();
    expect(checkNotInFuture(now + 3_600_000, now, 3_600_000)).toBeUndefined();
  });
  it('refuses a mistyped year with the limit in the message', () => {
    const e = checkNotInFuture(Date.UTC(2099, 0, 1, 9), now, 3_600_000);
    expect(e).toBeInstanceOf(FutureTimestampError);
    expect(e?.reason).toBe('recorded-at-in-future');
    expect(e?.message).toContain('2099-01-01T09:00:00.000Z');
    expect(e?.message).toContain('2026-12-04T13:00:00.000Z');
  });
  it('accepts exactly what latestPlausibleEventTime allows (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 0, max: 1e9 }), (at, nowMs, tol) => {
        expect(checkNotInFuture(at, nowMs, tol) === undefined).toBe(at <= latestPlausibleEventTime(nowMs, tol));
      }),
    );
  });
});

describe('boundRaw', () => {
  it('keeps a small value whole with its length and hash', () => {
    const b = boundRaw('{"a":1}');
    expect(b).toMatchObject({ raw: '{"a":1}', rawBytes: 7, truncated: false });
    expect(b.rawSha256).toMatch(/^[0-9a-f]{64}$/);
  });
  it('cuts a large value on a character boundary and hashes the whole of it', () => {
    const value = 'ż'.repeat(1000); // 2 bytes each
    const b = boundRaw(value, 101);
    expect(b.truncated).toBe(true);
    expect(b.raw).toBe('ż'.repeat(50));
    expect(b.rawBytes).toBe(2000);
    expect(b.rawSha256).not.toBe(boundRaw('ż'.repeat(999), 101).rawSha256);
  });
  it('stays under its bound when JSON-escaped, whatever the bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 1000 }), (bytes, max) => {
        const b = boundRaw(bytes, max);
        expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThan(6 * max + 200);
        expect(b.rawBytes).toBe(bytes.length);
      }),
    );
  });
  it('treats null as an empty value', () => {
    expect(boundRaw(null)).toMatchObject({ raw: '', rawBytes: 0, truncated: false });
  });
});
