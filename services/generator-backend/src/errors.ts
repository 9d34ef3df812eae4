// The errors an answer may name. Each has an HTTP status, a stable code and a message
// meant for the caller: never a stack, a file path or a driver's inner text (those go to
// the log, under the request id the answer carries).
import { errorKind } from '@mobilecs/platform';
import { IngesterUnavailableError } from './adapters/ingester-client';

/** The request is wrong (HTTP 400): nothing was generated or written. */
export class BadRequestError extends Error {
  readonly status = 400;
  readonly code = 'bad-request';
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** A generated file would replace a different file of the same name (HTTP 409). */
export class FileConflictError extends Error {
  readonly status = 409;
  readonly code = 'file-conflict';
  constructor(readonly fileName: string) {
    super(
      `${fileName} already exists in the incoming folder with different content; nothing was written ` +
        '(move the old files away, or restart the generator on an empty folder)',
    );
    this.name = 'FileConflictError';
  }
}

/** A generate call would produce more lines than GENERATOR_MAX_LINES_PER_CALL (HTTP 413): nothing generated. */
export class TooManyLinesError extends Error {
  readonly status = 413;
  readonly code = 'too-many-lines';
  constructor(
    readonly lines: number,
    readonly limit: number,
    what: string,
  ) {
    super(
      `this call would produce ${lines} lines (${what}); the limit is ${limit} lines per call: ask for fewer ` +
        '(count, months) or raise GENERATOR_MAX_LINES_PER_CALL',
    );
    this.name = 'TooManyLinesError';
  }
}

/** A generation is already running in this process (HTTP 429): one at a time. */
export class GenerationBusyError extends Error {
  readonly status = 429;
  readonly code = 'generation-in-progress';
  constructor(readonly retryAfterSeconds: number) {
    super(`a generation is already running on this generator-backend (one at a time); retry in ${retryAfterSeconds} s`);
    this.name = 'GenerationBusyError';
  }
}

/**
 * A dependency (Kafka, Cassandra, the folder) failed (HTTP 503). The message names the
 * dependency and the error's class or code only (e.g. "Cassandra unavailable
 * (NoHostAvailableError)"); the cause itself is logged.
 */
export class DependencyError extends Error {
  readonly status = 503;
  readonly code = 'dependency-unavailable';
  constructor(
    readonly dependency: string,
    override readonly cause: unknown,
  ) {
    super(`${dependency} unavailable (${errorKind(cause)})`);
    this.name = 'DependencyError';
  }
}

/**
 * An answer of the ingester that is not a success (404 unknown agreement, 503 rebalancing,
 * …), passed on with its status, code and message; also the backend's own "too many
 * alert streams". `retryAfter`: seconds for the Retry-After header.
 */
export class UpstreamError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter: string | null,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** The errors above: their message is safe to answer with. */
export type PublicError = BadRequestError | FileConflictError | TooManyLinesError | GenerationBusyError | DependencyError | UpstreamError | IngesterUnavailableError;

export function isPublicError(err: unknown): err is PublicError {
  return (
    err instanceof BadRequestError ||
    err instanceof FileConflictError ||
    err instanceof TooManyLinesError ||
    err instanceof GenerationBusyError ||
    err instanceof DependencyError ||
    err instanceof UpstreamError ||
    err instanceof IngesterUnavailableError
  );
}
