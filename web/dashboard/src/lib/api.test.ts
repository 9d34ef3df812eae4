import { describe, expect, it } from 'vitest';
import { ApiError, describeError, errorFromAnswer, getJson, getText, isAbort, probe } from './api';

function answering(status: number, body: string, headers: Record<string, string> = {}): typeof fetch {
  return async () => new Response(body, { status, headers });
}

/** A fetch that answers only when aborted (as a real one does on its signal). */
const hanging: typeof fetch = (_input, init) =>
  new Promise((_resolve, reject) => {
    init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
  });

describe('getJson', () => {
  it('parses exact integers and passes headers', async () => {
    const a = await getJson<{ total: bigint }>('/api/x', { fetchImpl: answering(200, '{"total":9223372036854775807}', { 'X-Next-Page-State': 'abc' }) });
    expect(a.body.total).toBe(9223372036854775807n);
    expect(a.headers.get('x-next-page-state')).toBe('abc');
  });

  it("turns a 4xx/5xx body's code and message into an ApiError", async () => {
    const err = await getJson('/api/usage/x', {
      fetchImpl: answering(503, '{"code":"ingester-unavailable","message":"ingester at http://127.0.0.1:8082 did not answer within 2 s","requestId":"r1"}'),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(503);
    expect((err as ApiError).code).toBe('ingester-unavailable');
    expect(describeError(err)).toBe('503 ingester-unavailable: ingester at http://127.0.0.1:8082 did not answer within 2 s (request r1)');
  });

  it('says a 200 that is not JSON is a bad response', async () => {
    const err = await getJson('/api/x', { fetchImpl: answering(200, '<html>') }).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('bad-response');
  });

  it('gives up after the timeout with a timeout error, never hanging', async () => {
    const err = await getJson('/api/slow', { fetchImpl: hanging, timeoutMs: 20 }).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('timeout');
    expect((err as ApiError).status).toBeNull();
    expect((err as ApiError).message).toContain('/api/slow');
  });

  it("passes the caller's own abort as an AbortError (not shown as an error)", async () => {
    const controller = new AbortController();
    const pending = getJson('/api/x', { fetchImpl: hanging, signal: controller.signal, timeoutMs: 60_000 }).catch((e: unknown) => e);
    controller.abort();
    expect(isAbort(await pending)).toBe(true);
  });

  it('names a network failure', async () => {
    const failing: typeof fetch = async () => {
      throw new TypeError('Failed to fetch');
    };
    const err = await getJson('/api/x', { fetchImpl: failing }).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('network-error');
    expect((err as ApiError).message).toContain('Failed to fetch');
  });
});

describe('getText', () => {
  it('returns the text answer', async () => {
    const a = await getText('/api/agreements/generate', { fetchImpl: answering(200, 'Total number of generated agreements: 1\n') });
    expect(a.body).toBe('Total number of generated agreements: 1\n');
  });
  it('turns an error answer into an ApiError', async () => {
    const err = await getText('/api/agreements/generate?count=0', {
      fetchImpl: answering(400, '{"status":400,"code":"bad-request","message":"count must be 1…1000"}'),
    }).catch((e: unknown) => e);
    expect((err as ApiError).describe()).toBe('400 bad-request: count must be 1…1000');
  });
});

describe('errorFromAnswer', () => {
  it('uses the text of a non-JSON error page, without tags', () => {
    const e = errorFromAnswer(503, 'Service Unavailable', '<html><body><h1>Dashboard not built</h1></body></html>', '/');
    expect(e.code).toBe('http-503');
    expect(e.message).toBe('Dashboard not built');
  });
  it('falls back to the status text', () => {
    expect(errorFromAnswer(502, 'Bad Gateway', '', '/api/x').message).toBe('Bad Gateway');
    expect(errorFromAnswer(502, '', '', '/api/x').message).toContain('502');
  });
});

describe('probe', () => {
  it("gives the error of a failing stream URL, or null when it answers 2xx", async () => {
    const err = await probe('/api/alerts/stream', { fetchImpl: answering(503, '{"code":"starting","message":"alerts not loaded yet"}') });
    expect(err?.describe()).toBe('503 starting: alerts not loaded yet');
    expect(await probe('/api/alerts/stream', { fetchImpl: answering(200, 'event: alert\n') })).toBeNull();
  });
  it('gives a timeout or network error as an ApiError', async () => {
    expect((await probe('/api/x', { fetchImpl: hanging, timeoutMs: 20 }))?.code).toBe('timeout');
  });
});
