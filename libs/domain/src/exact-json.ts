// Exact JSON for byte counts up to Java's long (2^63 − 1): JSON.parse and JSON.stringify
// see every number as a double, exact only up to 2^53 − 1. Here an integer that a double
// cannot hold exactly is decoded as a bigint, and a bigint is written as a plain JSON
// number, digit for digit (never as a string). Ordinary messages take the built-ins'
// fast path; lossless-json does the rest.
import { isInteger, parse as losslessParse, stringify as losslessStringify } from 'lossless-json';

const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE_BIGINT = BigInt(Number.MIN_SAFE_INTEGER);

const isDigit = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57;
};

/**
 * Whether the text has a run of 16 digits. Fifteen digits are at most
 * 999 999 999 999 999 < 2^53, so a text without such a run holds no integer that
 * JSON.parse could round. Looks at about one character in 16 (a run of 16 covers every
 * 16th position), much cheaper than the regular expression /\d{16}/.
 */
export function hasSixteenDigitRun(text: string): boolean {
  // Invariant: no run of 16 digits ends before `end`.
  let end = 15;
  while (end < text.length) {
    if (!isDigit(text, end)) {
      end += 16;
      continue;
    }
    let j = end - 1;
    while (j > end - 16 && isDigit(text, j)) j--;
    if (j === end - 16) return true;
    // text[j] is not a digit: a run can only start after it.
    end = j + 16;
  }
  return false;
}

/** Integers that a double holds exactly stay numbers; larger ones become bigints; fractions and exponents stay doubles (as JSON.parse). */
function parseNumber(text: string): number | bigint {
  if (!isInteger(text)) return Number.parseFloat(text);
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

const LOSSLESS_OPTIONS = {
  parseNumber,
  // JSON.parse keeps the last of duplicate keys; so do we, instead of lossless-json's error.
  onDuplicateKey: ({ newValue }: { newValue: unknown }) => newValue,
};

/**
 * JSON.parse, exact for integers of any size: a safe integer is a number, a larger one a
 * bigint. Throws SyntaxError on malformed JSON, like JSON.parse.
 */
export function parseExact(text: string): unknown {
  if (!hasSixteenDigitRun(text)) return JSON.parse(text);
  return losslessParse(text, null, LOSSLESS_OPTIONS);
}

function isBigIntError(e: unknown): boolean {
  return e instanceof TypeError && e.message.includes('BigInt');
}

/**
 * JSON.stringify (compact), with bigints written as JSON numbers, digit for digit. Values
 * without any bigint are written by JSON.stringify itself.
 */
export function stringifyExact(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!isBigIntError(e)) throw e;
    return losslessStringify(value) as string;
  }
}

/**
 * A byte count as it goes into a wire object: a number when a double holds it exactly
 * (so the wire object stays plain JSON for JSON.stringify), otherwise the bigint itself
 * (written digit for digit by stringifyExact).
 */
export function toWireInteger(value: bigint): number | bigint {
  return value <= MAX_SAFE_BIGINT && value >= MIN_SAFE_BIGINT ? Number(value) : value;
}
