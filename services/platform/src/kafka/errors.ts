import { PlatformError } from '../errors';

/** Errors of our Kafka module, typed so callers can act without knowing the client library. */
export class KafkaUnavailableError extends PlatformError {
  readonly code = 'KAFKA_UNAVAILABLE';
  readonly retriable = true;
  constructor(readonly brokers: string[], override readonly cause?: unknown) {
    super(`Kafka is not reachable at ${brokers.join(',')}: ${describe(cause)}`);
    this.name = 'KafkaUnavailableError';
  }
}

/** A topic exists with another layout than the one asked for (partitions, policy): fix the deployment, not a retry. */
export class TopicLayoutError extends PlatformError {
  readonly code = 'TOPIC_LAYOUT_MISMATCH';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'TopicLayoutError';
  }
}

/** The transactional producer was fenced by a newer instance with the same transactional id. */
export class ProducerFencedError extends PlatformError {
  readonly code = 'PRODUCER_FENCED';
  readonly retriable = false;
  constructor(readonly transactionalId: string, override readonly cause?: unknown) {
    super(`producer with transactional id ${transactionalId} was fenced by a newer instance`);
    this.name = 'ProducerFencedError';
  }
}

export function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Whether kafkajs marked its error retriable (a coordinator loading, a leader moving):
 * the one place outside the client that reads its fields, so the rest of the code goes
 * by our typed errors.
 */
export function kafkaClientRetriable(err: unknown): boolean {
  return (err as { retriable?: unknown } | null | undefined)?.retriable === true;
}

/**
 * Broker error codes that a retry of the same messages cannot fix: the input that made
 * them must be set aside (dead letter) or the partition stalls for good.
 */
const DETERMINISTIC_BROKER_ERRORS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TIMESTAMP',
  'POLICY_VIOLATION',
]);

/** Whether `err` (or an error it wraps) is a broker refusal that no retry can fix. */
export function isDeterministicKafkaError(err: unknown): boolean {
  const seen = new Set<unknown>();
  const walk = (e: unknown): boolean => {
    if (e === null || typeof e !== 'object' || seen.has(e)) return false;
    seen.add(e);
    const x = e as { type?: unknown; originalError?: unknown; cause?: unknown; errors?: unknown };
    if (typeof x.type === 'string' && DETERMINISTIC_BROKER_ERRORS.has(x.type)) return true;
    if (walk(x.originalError) || walk(x.cause)) return true;
    return Array.isArray(x.errors) && x.errors.some(walk);
  };
  return walk(err);
}
