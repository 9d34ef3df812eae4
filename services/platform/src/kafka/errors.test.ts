import { describe, expect, it } from 'vitest';
import { isDeterministicKafkaError } from './errors';

describe('isDeterministicKafkaError', () => {
  it('finds a broker refusal however kafkajs wrapped it', () => {
    expect(isDeterministicKafkaError({ type: 'MESSAGE_TOO_LARGE' })).toBe(true);
    expect(isDeterministicKafkaError({ name: 'KafkaJSNumberOfRetriesExceeded', originalError: { type: 'RECORD_LIST_TOO_LARGE' } })).toBe(true);
    expect(isDeterministicKafkaError(new Error('outer', { cause: { errors: [{ type: 'x' }, { type: 'INVALID_RECORD' }] } }))).toBe(true);
  });
  it('treats everything else as worth a retry', () => {
    expect(isDeterministicKafkaError({ type: 'NOT_COORDINATOR', retriable: true })).toBe(false);
    expect(isDeterministicKafkaError(new Error('Connection error: ECONNREFUSED'))).toBe(false);
    expect(isDeterministicKafkaError(null)).toBe(false);
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    expect(isDeterministicKafkaError(loop)).toBe(false);
  });
});
