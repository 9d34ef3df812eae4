import { DomainError } from '@mobilecs/domain';
import { isDeterministicKafkaError, ProducerFencedError } from '@mobilecs/platform';

/**
 * What a failed batch means for its partition:
 * - 'fenced': another instance owns the partition now; let the rebalance move it.
 * - 'deterministic': the same input fails the same way every time (a broker refusal
 *   such as MESSAGE_TOO_LARGE, or our own code throwing on a value): retrying would
 *   stall the partition for good, so the message that causes it is isolated and sent
 *   to dead letters.
 * - 'transient': anything else (network, coordinator moves, Cassandra away): retried
 *   with backoff, and reported by readiness if it lasts.
 */
export type FailureKind = 'fenced' | 'deterministic' | 'transient';

export function failureKind(err: unknown): FailureKind {
  if (err instanceof ProducerFencedError) return 'fenced';
  if (isDeterministicKafkaError(err)) return 'deterministic';
  // Programming and data errors thrown by pure code: the same input throws again.
  if (err instanceof DomainError || err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return 'deterministic';
  return 'transient';
}

/** Backoff before retrying a partition after `failures` transient failures in a row. */
export function retryDelayMs(failures: number, minMs = 500, maxMs = 30_000): number {
  return Math.min(maxMs, minMs * 2 ** Math.max(0, Math.min(failures - 1, 16)));
}
