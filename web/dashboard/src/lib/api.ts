// Every call to the backend goes through here: a timeout on each (AbortController), exact
// integers in JSON, and one error type carrying what the page shows (status, code, message).
import { parseJsonExact } from './exact-json';

export const READ_TIMEOUT_MS = 8_000;
/** Generating up to GENERATOR_MAX_LINES_PER_CALL lines can take a while; still bounded. */
export const GENERATE_TIMEOUT_MS = 120_000;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status, or null when no answer came (network, timeout). */
    readonly status: number | null,
    /** The server's kebab-case code, or ours: network-error, timeout, bad-response. */
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }

  /** One line for the page: "503 ingester-unavailable: ingester at http://… did not answer". */
  describe(): string {
    const head = this.status === null ? this.code : `${this.status} ${this.code}`;
    return `${head}: ${this.message}${this.requestId ? ` (request ${this.requestId})` : ''}`;
  }
}

/** Whether an error is the caller's own abort (the page moved on), which is not shown. */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

export interface ApiOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

async function send(path: string, opts: ApiOptions): Promise<Response> {
  const timeoutMs = opts.timeoutMs ?? READ_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onCallerAbort = () => controller.abort();
  if (opts.signal?.aborted) controller.abort();
  opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    return await (opts.fetchImpl ?? fetch)(path, { signal: controller.signal, headers: { accept: 'application/json, text/plain;q=0.9' } });
  } catch (err) {
    if (timedOut) throw new ApiError(null, 'timeout', `no answer from ${path} within ${timeoutMs / 1000} s`);
    if (opts.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    throw new ApiError(null, 'network-error', `cannot reach the server for ${path} (${err instanceof Error ? err.message : String(err)})`);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onCallerAbort);
  }
}

async function readText(res: Response, path: string): Promise<string> {
  try {
    return await res.text();
  } catch (err) {
    throw new ApiError(res.status, 'bad-response', `the answer of ${path} broke off (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** The ApiError of a non-2xx answer: the body's {code, message, requestId} when it has them. */
export function errorFromAnswer(status: number, statusText: string, text: string, path: string): ApiError {
  let body: unknown;
  try {
    body = parseJsonExact(text);
  } catch {
    body = undefined;
  }
  if (body !== null && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const code = typeof b['code'] === 'string' ? b['code'] : `http-${status}`;
    const message = typeof b['message'] === 'string' ? b['message'] : (statusText || `the server answered ${status}`);
    const requestId = typeof b['requestId'] === 'string' ? b['requestId'] : undefined;
    return new ApiError(status, code, message, requestId);
  }
  const snippet = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
  return new ApiError(status, `http-${status}`, snippet || statusText || `the server answered ${status} for ${path}`);
}

/** GET a JSON answer (exact integers); non-2xx becomes an ApiError. */
export async function getJson<T = unknown>(path: string, opts: ApiOptions = {}): Promise<ApiAnswer<T>> {
  const res = await send(path, opts);
  const text = await readText(res, path);
  if (!res.ok) throw errorFromAnswer(res.status, res.statusText, text, path);
  try {
    return { status: res.status, body: parseJsonExact(text) as T, headers: res.headers };
  } catch {
    throw new ApiError(res.status, 'bad-response', `${path} did not answer JSON (is the dashboard served by generator-backend?)`);
  }
}

/** GET a text answer (the generate endpoints); non-2xx becomes an ApiError. */
export async function getText(path: string, opts: ApiOptions = {}): Promise<ApiAnswer<string>> {
  const res = await send(path, opts);
  const text = await readText(res, path);
  if (!res.ok) throw errorFromAnswer(res.status, res.statusText, text, path);
  return { status: res.status, body: text, headers: res.headers };
}

/** A message for any error a page caught. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Why a URL is not answering as it should: the ApiError of a non-2xx answer (or of no
 * answer), or null when it answers 2xx (the body is not read: for an event stream, it
 * would not end). EventSource does not expose a failed connection's status; this does.
 */
export async function probe(path: string, opts: ApiOptions = {}): Promise<ApiError | null> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await send(path, { ...opts, signal: controller.signal });
    if (res.ok) return null;
    return errorFromAnswer(res.status, res.statusText, await readText(res, path), path);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  } finally {
    controller.abort();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
