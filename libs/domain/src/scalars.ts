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

/** An exact non-negative byte count; JS numbers are exact only up to 2^53 − 1. */
export const byteCountSchema = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be an integer' })
  .min(0, { error: 'must not be negative' })
  .max(Number.MAX_SAFE_INTEGER, { error: `must not exceed ${Number.MAX_SAFE_INTEGER} (2^53 − 1)` });

/** A byte count written as text: plain decimal digits only (no sign, exponent, spaces, leading zeros). */
export const byteCountTextSchema = z
  .string()
  .regex(/^(?:0|[1-9]\d*)$/, { error: 'must be a non-negative integer written in plain decimal digits' })
  .transform(Number)
  .pipe(byteCountSchema);

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
