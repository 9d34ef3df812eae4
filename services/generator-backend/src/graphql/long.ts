import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const DIGITS = /^-?\d+$/;
const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

function fromBigInt(v: bigint, what: string): bigint {
  if (v < MIN || v > MAX) throw new GraphQLError(`Long cannot represent ${what}: outside the 64-bit range`);
  return v;
}

/**
 * A 64-bit integer (Java's long), exact: serialised as a JSON number when it is a safe
 * integer (|v| < 2^53) and as a decimal string beyond, so that no client's double
 * rounds it. Accepts integer literals, strings of digits, and integers in JSON variables
 * (request bodies are parsed exactly, so a number beyond 2^53 − 1 arrives as a bigint).
 * Parsed values are bigint, within the 64-bit range.
 */
export const GraphQLLong = new GraphQLScalarType<bigint, number | string>({
  name: 'Long',
  description:
    'A 64-bit integer. Output as a JSON number when |value| < 2^53, otherwise as a string of digits; ' +
    'input as an integer literal, a string of digits, or a JSON integer (exact up to 64 bits).',
  serialize(value) {
    let v: bigint;
    if (typeof value === 'bigint') v = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
    else if (typeof value === 'string' && DIGITS.test(value)) v = BigInt(value);
    else throw new GraphQLError(`Long cannot represent ${String(value)}`);
    fromBigInt(v, String(v));
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  },
  parseValue(value) {
    if (typeof value === 'bigint') return fromBigInt(value, String(value));
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) {
        throw new GraphQLError(`Long: ${value} is not an exact integer (beyond 2^53 pass a string of digits)`);
      }
      return BigInt(value);
    }
    if (typeof value === 'string' && DIGITS.test(value)) return fromBigInt(BigInt(value), value);
    throw new GraphQLError(`Long cannot represent ${JSON.stringify(value)}: expected an integer`);
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.INT || (ast.kind === Kind.STRING && DIGITS.test(ast.value))) return fromBigInt(BigInt(ast.value), ast.value);
    throw new GraphQLError('Long: expected an integer literal or a string of digits', { nodes: ast });
  },
});
