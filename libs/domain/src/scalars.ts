// zod schemas for the scalar values shared by lines and messages.
import { z } from 'zod';
import { parseTimestamp } from './timestamp';
import { isKnownTimeZone } from './zone';

/** A UUID in RFC 9562 form (any version); normalised to lower case. */
export const uuidSchema = z
  .uuid({ error: 'must be a UUID' })
  .transform((s) => s.toLowerCase());

/** Subscriber number: 1–15 digits (E.164 without the plus sign). */
export const msisdnSchema = z.string().regex(/^\d{1,15}$/, { error: 'must be 1 to 15 digits' });

/** Largest byte count: Java's long max, 2^63 − 1 (the Cassandra bigint column, Kafka consumers in Java). */
export const MAX_BYTE_COUNT = 2n ** 63n - 1n;
const TOO_LARGE = `must not exceed ${MAX_BYTE_COUNT} (2^63 − 1)`;

/**
 * An exact non-negative byte count, 0 … 2^63 − 1, decoded to a bigint. Accepts a bigint
 * (what parseExact gives for an integer beyond 2^53 − 1) or a number that is a safe
 * integer; a larger number has already lost digits (a double), so it is refused.
 */
export const byteCountSchema = z.unknown().transform((value, ctx): bigint => {
  const fail = (message: string) => {
    ctx.issues.push({ code: 'custom', message, input: value });
    return z.NEVER;
  };
  if (typeof value === 'bigint') {
    if (value < 0n) return fail('must not be negative');
    return value > MAX_BYTE_COUNT ? fail(TOO_LARGE) : value;
  }
  if (typeof value !== 'number') return fail('must be a number');
  if (!Number.isInteger(value)) return fail('must be an integer');
  if (value < 0) return fail('must not be negative');
  if (!Number.isSafeInteger(value)) {
    return fail(value >= 2 ** 63 ? TOO_LARGE : `must be an exact integer: ${value} is a double beyond 2^53 − 1, which has lost digits`);
  }
  return BigInt(value);
});

const DECIMAL = /^(?:0|[1-9]\d*)$/;

/** A byte count written as text: plain decimal digits only (no sign, exponent, spaces, leading zeros), 0 … 2^63 − 1. */
export const byteCountTextSchema = z.string().transform((text, ctx): bigint => {
  if (!DECIMAL.test(text)) {
    ctx.issues.push({ code: 'custom', message: 'must be a non-negative integer written in plain decimal digits', input: text });
    return z.NEVER;
  }
  // More than 19 digits is beyond 2^63 − 1 whatever they are: no need to convert them.
  const value = text.length > 19 ? MAX_BYTE_COUNT + 1n : BigInt(text);
  if (value > MAX_BYTE_COUNT) {
    ctx.issues.push({ code: 'custom', message: TOO_LARGE, input: text });
    return z.NEVER;
  }
  return value;
});

/** A timestamp in either accepted spelling (see parseTimestamp), decoded to epoch millis. */
export const timestampSchema = z.string({ error: 'must be a timestamp string' }).transform((text, ctx) => {
  const parsed = parseTimestamp(text);
  if (parsed.ok) return parsed.value;
  ctx.issues.push({ code: 'custom', message: parsed.error.message, input: text });
  return z.NEVER;
});

/** An instant to encode: an integer number of epoch millis that Date can represent. */
export const instantSchema = z
  .number()
  .int()
  .min(-8.64e15)
  .max(8.64e15);

export const timeZoneSchema = z
  .string()
  .refine(isKnownTimeZone, { error: (i) => `unknown IANA time zone "${String(i.input)}"` });

/** Calendar month number, 1–12. */
export const monthSchema = z.number().int().min(1).max(12);
/** Billing-period year (Cassandra smallint). */
export const yearSchema = z.number().int().min(0).max(9999);
