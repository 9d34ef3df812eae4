// One ingester address (INGESTER_URL: a k8s Service, a compose service name); any instance
// answers for all (it forwards to the owner). Its answers are passed on as they are.
export interface IngesterAnswer {
  status: number;
  /** The body as text (exact JSON: byte counts beyond 2^53 stay digit for digit). */
  body: string;
  contentType: string;
  retryAfter: string | null;
}

export class IngesterUnavailableError extends Error {
  readonly status = 503;
  readonly code = 'ingester-unavailable';
  constructor(
    readonly baseUrl: string,
    reason: string,
  ) {
    super(`the ingester at ${baseUrl} did not answer (${reason}); live usage is unavailable until it does (INGESTER_URL)`);
    this.name = 'IngesterUnavailableError';
  }
}

export class IngesterClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

  /** GET `pathAndQuery` on the ingester; a network failure or timeout is an IngesterUnavailableError. */
  async get(pathAndQuery: string): Promise<IngesterAnswer> {
    let res: Response;
    try {
      res = await fetch(new URL(pathAndQuery, this.baseUrl), { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
      return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') ?? 'application/json', retryAfter: res.headers.get('retry-after') };
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string }; message?: string };
      const reason = e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (e.cause?.code ?? e.message ?? String(err));
      throw new IngesterUnavailableError(this.baseUrl, reason);
    }
  }
}
