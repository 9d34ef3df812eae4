/**
 * The errors of the platform say what they are and whether doing the same again can
 * help, so callers decide without knowing the client library (platformatic/kafka's
 * `canRetry`, Temporal's `nonRetryable`): `code` is stable (logs, dead letters, tests),
 * `retriable` is what `retry` and the services' loops go by.
 */
export abstract class PlatformError extends Error {
  /** A stable, upper-case identifier of the kind of failure, e.g. KAFKA_UNAVAILABLE. */
  abstract readonly code: string;
  /** Whether the same operation may succeed later (a server back, a lock released). */
  abstract readonly retriable: boolean;
}

/**
 * Whether doing the same again may help: a PlatformError says so itself; any other error
 * (a client library's, a network error) is taken as transient, as Temporal does: retried
 * unless marked otherwise.
 */
export function isRetriable(err: unknown): boolean {
  if (err instanceof PlatformError) return err.retriable;
  return true;
}

/** The code of a PlatformError, the system code of a Node error (EACCES), else undefined. */
export function errorCode(err: unknown): string | undefined {
  if (err instanceof PlatformError) return err.code;
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
