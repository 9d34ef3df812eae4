import { describe, expect, it } from 'vitest';
import { MessageEncodeError } from '@mobilecs/domain';
import { ProducerFencedError } from '@mobilecs/platform';
import { failureKind, retryDelayMs } from './failure-kind';

describe('failureKind', () => {
  it('fencing is its own kind', () => {
    expect(failureKind(new ProducerFencedError('t'))).toBe('fenced');
  });
  it('broker refusals and errors of our own code are deterministic', () => {
    expect(failureKind({ type: 'MESSAGE_TOO_LARGE' })).toBe('deterministic');
    expect(failureKind(new MessageEncodeError('Aggregate', []))).toBe('deterministic');
    expect(failureKind(new RangeError('Invalid time value'))).toBe('deterministic');
    expect(failureKind(new TypeError('Do not know how to serialize a BigInt'))).toBe('deterministic');
  });
  it('everything else is transient', () => {
    expect(failureKind(new Error('connect ECONNREFUSED 127.0.0.1:9092'))).toBe('transient');
    expect(failureKind({ type: 'COORDINATOR_LOAD_IN_PROGRESS', retriable: true })).toBe('transient');
  });
});

describe('retryDelayMs', () => {
  it('doubles from the minimum up to the maximum', () => {
    expect([1, 2, 3, 4, 10, 100].map((n) => retryDelayMs(n))).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
  });
});
