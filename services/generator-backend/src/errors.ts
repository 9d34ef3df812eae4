/** The request is wrong (HTTP 400): nothing was generated or written. */
export class BadRequestError extends Error {
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** A generated file would replace a different file of the same name (HTTP 409). */
export class FileConflictError extends Error {
  readonly status = 409;
  constructor(readonly fileName: string) {
    super(
      `${fileName} already exists in the incoming folder with different content; nothing was written ` +
        '(move the old files away, or restart the generator on an empty folder)',
    );
    this.name = 'FileConflictError';
  }
}

/** A dependency (Kafka, Cassandra, the folder) failed (HTTP 503). */
export class DependencyError extends Error {
  readonly status = 503;
  constructor(
    readonly dependency: string,
    override readonly cause: unknown,
  ) {
    super(`${dependency} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'DependencyError';
  }
}
