/** Errors of our Kafka module, typed so callers can act without knowing the client library. */
export class KafkaUnavailableError extends Error {
  constructor(readonly brokers: string[], override readonly cause?: unknown) {
    super(`Kafka is not reachable at ${brokers.join(',')}: ${describe(cause)}`);
    this.name = 'KafkaUnavailableError';
  }
}

export class TopicLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopicLayoutError';
  }
}

/** The transactional producer was fenced by a newer instance with the same transactional id. */
export class ProducerFencedError extends Error {
  constructor(readonly transactionalId: string, override readonly cause?: unknown) {
    super(`producer with transactional id ${transactionalId} was fenced by a newer instance`);
    this.name = 'ProducerFencedError';
  }
}

export function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
