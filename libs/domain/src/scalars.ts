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
  // The accepted cases first and without a closure: this runs for every decoded message.
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  } else if (typeof value === 'bigint' && value >= 0n && value <= MAX_BYTE_COUNT) {
    return value;
  }
  ctx.issues.push({ code: 'custom', message: byteCountProblem(value), input: value });
  return z.NEVER;
});

/** Why a value is not a byte count (only called for one that is not). */
function byteCountProblem(value: unknown): string {
  if (typeof value === 'bigint') return value < 0n ? 'must not be negative' : TOO_LARGE;
  if (typeof value !== 'number') return 'must be a number';
  if (!Number.isInteger(value)) return 'must be an integer';
  if (value < 0) return 'must not be negative';
  return value >= 2 ** 63 ? TOO_LARGE : `must be an exact integer: ${value} is a double beyond 2^53 − 1, which has lost digits`;
}

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

export const timeZoneSchema = z
  .string()
  .refine(isKnownTimeZone, { error: (i) => `unknown IANA time zone "${String(i.input)}"` });

/** Calendar month number, 1–12. */
export const monthSchema = z.number().int().min(1).max(12);
/** Billing-period year (Cassandra smallint). */
export const yearSchema = z.number().int().min(0).max(9999);
