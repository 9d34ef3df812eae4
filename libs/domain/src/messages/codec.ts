// One codec per message type: zod checks the wire JSON on the way in and, as a guard
// against our own bugs, on the way out. Decoding never throws.
import type { z } from 'zod';
import { MessageDecodeError, MessageEncodeError, type ValidationIssue } from '../errors';
import { parseExact, stringifyExact } from '../exact-json';
import { err, ok, type Result } from '../result';

export interface Codec<T, Wire> {
  readonly messageType: string;
  /** Decodes a Kafka message value (UTF-8 JSON as string or bytes); integers of any size exactly. */
  decode(raw: string | Uint8Array): Result<T, MessageDecodeError>;
  /** Validates an already-parsed JSON value. */
  fromJson(value: unknown): Result<T, MessageDecodeError>;
  /** The wire object (timestamps as strings; byte counts as numbers, or bigints beyond 2^53 − 1: write it with stringifyExact). */
  toJson(value: T): Wire;
  /** Compact JSON text, byte counts as exact JSON numbers. Throws MessageEncodeError if the value breaks the schema. */
  encode(value: T): string;
}

function issuesOf(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

function describe(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function defineCodec<T, Wire>(
  messageType: string,
  schema: z.ZodType<T, unknown>,
  toWire: (value: T) => Wire,
): Codec<T, Wire> {
  const fromJson = (value: unknown): Result<T, MessageDecodeError> => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return ok(parsed.data);
    const issues = issuesOf(parsed.error);
    return err(new MessageDecodeError('invalid-message', messageType, issues, `invalid ${messageType}: ${describe(issues)}`));
  };
  return {
    messageType,
    fromJson,
    decode(raw) {
      let text: string;
      let json: unknown;
      try {
        text = typeof raw === 'string' ? raw : utf8.decode(raw);
        json = parseExact(text);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        return err(
          new MessageDecodeError('malformed-json', messageType, [{ path: '', message: why }], `${messageType} is not UTF-8 JSON: ${why}`),
        );
      }
      return fromJson(json);
    },
    toJson: toWire,
    encode(value) {
      const wire = toWire(value);
      const check = schema.safeParse(wire);
      if (!check.success) throw new MessageEncodeError(messageType, issuesOf(check.error));
      return stringifyExact(wire);
    },
  };
}
