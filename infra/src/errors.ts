/** A local server could not be started or stopped; the message says what to do. */
export class LocalServerError extends Error {
  constructor(
    readonly server: 'kafka' | 'cassandra' | 'maven' | 'java',
    message: string,
    readonly logTail?: string,
  ) {
    super(logTail ? `${message}\n--- last lines of the ${server} log ---\n${logTail}` : message);
    this.name = 'LocalServerError';
  }
}
