// Byte counts in the API's JSON are written exactly, also beyond 2^53 (a subscriber's total
// or a plan can be up to 2^63 − 1). JSON.parse would round them; its reviver gets the
// number's source text as a third argument (`context.source`, Chromium ≥ 114, Node ≥ 21),
// from which an integer that is not a safe JS number becomes an exact bigint.

/** A JSON integer as parsed here: a number when it is safe, a bigint beyond 2^53 − 1. */
export type ExactInt = number | bigint;

interface ReviverContext {
  source?: string;
}

const INTEGER_TEXT = /^-?\d+$/;

function reviveExact(_key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && INTEGER_TEXT.test(context.source)) {
    return BigInt(context.source);
  }
  return value;
}

/** Whether this engine hands the reviver the number's source text (else big numbers stay rounded). */
export function reviverHasSource(): boolean {
  let seen = false;
  JSON.parse('1', (_k, v: unknown, ctx?: ReviverContext) => {
    seen = ctx?.source === '1';
    return v;
  });
  return seen;
}

/** JSON.parse with exact integers: unsafe integers come back as bigint. Throws SyntaxError like JSON.parse. */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, reviveExact);
}

/** An exact integer from the API as a bigint (a number must be an integer). */
export function toBigInt(value: ExactInt): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isInteger(value)) throw new RangeError(`not an integer: ${value}`);
  return BigInt(value);
}
