// A dead letter carries the offending input so a person can act on it, but never so
// much that the dead letter itself breaks the topic's size limit (a 700 KB value of
// quote characters JSON-escapes to 1.4 MB). Above the bound, the raw text is cut and
// its full length and SHA-256 identify what was cut.
import { createHash } from 'node:crypto';

/** Default bound of the raw text kept in a dead letter (bytes of UTF-8 before escaping). */
export const DEFAULT_MAX_RAW_BYTES = 16 * 1024;

export interface BoundedRaw {
  /** The value as text (invalid UTF-8 shown as U+FFFD), cut to at most maxBytes bytes. */
  readonly raw: string;
  /** Length in bytes of the whole value. */
  readonly rawBytes: number;
  /** SHA-256 (hex) of the whole value. */
  readonly rawSha256: string;
  /** Whether `raw` is only the beginning of the value. */
  readonly truncated: boolean;
}

/**
 * Bounds a raw value for a dead letter. Even JSON-escaped (at most 6 bytes per byte for
 * control characters) the result stays under 6 × maxBytes + 100 bytes.
 */
export function boundRaw(value: Uint8Array | string | null, maxBytes: number = DEFAULT_MAX_RAW_BYTES): BoundedRaw {
  const bytes = value === null ? new Uint8Array(0) : typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const truncated = buf.length > maxBytes;
  // Cut on a character boundary: drop continuation bytes (10xxxxxx) of a split character.
  let end = truncated ? maxBytes : buf.length;
  if (truncated) while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return {
    raw: buf.subarray(0, end).toString('utf8'),
    rawBytes: buf.length,
    rawSha256: createHash('sha256').update(buf).digest('hex'),
    truncated,
  };
}
