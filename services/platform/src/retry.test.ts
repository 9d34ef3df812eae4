import { describe, expect, it } from 'vitest';
import { CassandraUnavailableError } from './cassandra';
import { ConfigError } from './config';
import { isRetriable } from './errors';
import { KafkaUnavailableError, ProducerFencedError, TopicLayoutError } from './kafka';
import { backoffDelayMs, retry, type RetryAttempt } from './retry';

/** A clock that the waits move forward: no real time passes. */
function fakeTime() {
  let t = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => t,
    sleep: (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      waits.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

const failing = (errors: Error[], value = 'done') => {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    op: () => (calls++ < errors.length ? Promise.reject(errors[calls - 1]!) : Promise.resolve(value)),
  };
};

describe('platform errors', () => {
  it('carry a stable code and whether a retry can help', () => {
    expect(new KafkaUnavailableError(['k:9092'])).toMatchObject({ code: 'KAFKA_UNAVAILABLE', retriable: true });
    expect(new ProducerFencedError('t')).toMatchObject({ code: 'PRODUCER_FENCED', retriable: false });
    expect(new TopicLayoutError('x')).toMatchObject({ code: 'TOPIC_LAYOUT_MISMATCH', retriable: false });
    expect(new ConfigError('s', ['A: bad'])).toMatchObject({ code: 'CONFIG_INVALID', retriable: false });
    expect(new CassandraUnavailableError(['c:9042'])).toMatchObject({ code: 'CASSANDRA_UNAVAILABLE', retriable: true });
    expect(isRetriable(new ProducerFencedError('t'))).toBe(false);
    expect(isRetriable(new KafkaUnavailableError(['k:9092']))).toBe(true);
    // Anything else is taken as transient.
    expect(isRetriable(new Error('ECONNRESET'))).toBe(true);
  });
});

describe('retry', () => {
  it('backs off exponentially up to the longest wait', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelayMs(n, 1000, 30_000))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(backoffDelayMs(1000, 500, 5000)).toBe(5000);
  });

  it('retries transient errors until the operation succeeds, reporting each failure', async () => {
    const time = fakeTime();
    const f = failing([new Error('a'), new KafkaUnavailableError(['k:9092']), new Error('c')]);
    const seen: RetryAttempt[] = [];
    await expect(retry(f.op, { what: 'x', initialDelayMs: 100, maxDelayMs: 250, onRetry: (a) => seen.push(a), ...time })).resolves.toBe('done');
    expect(f.calls).toBe(4);
    expect(time.waits).toEqual([100, 200, 250]);
    expect(seen.map((a) => [a.what, a.attempt, a.delayMs])).toEqual([
      ['x', 1, 100],
      ['x', 2, 200],
      ['x', 3, 250],
    ]);
  });

  it('gives up at once on an error that is not retriable, throwing it unchanged', async () => {
    const time = fakeTime();
    const fenced = new ProducerFencedError('t');
    const f = failing([new Error('transient'), fenced]);
    await expect(retry(f.op, { what: 'x', ...time })).rejects.toBe(fenced);
    expect(f.calls).toBe(2);
  });

  it('follows shouldRetry when given', async () => {
    const time = fakeTime();
    const f = failing([new Error('no')]);
    await expect(retry(f.op, { what: 'x', shouldRetry: () => false, ...time })).rejects.toThrow('no');
    expect(f.calls).toBe(1);
  });

  it('gives up after maxAttempts, or once timeoutMs has passed (the last attempt at the deadline)', async () => {
    const time = fakeTime();
    const errors = Array.from({ length: 10 }, (_, i) => new Error(`e${i}`));
    await expect(retry(failing(errors).op, { what: 'x', maxAttempts: 3, ...time })).rejects.toThrow('e2');
    const timed = fakeTime();
    const f = failing(errors);
    await expect(retry(f.op, { what: 'x', initialDelayMs: 400, maxDelayMs: 400, timeoutMs: 1000, ...timed })).rejects.toThrow('e3');
    expect(timed.waits).toEqual([400, 400, 200]);
  });

  it('stops waiting when its signal aborts', async () => {
    const abort = new AbortController();
    const reason = new Error('stopping');
    const op = () => Promise.reject(new Error('down'));
    const running = retry(op, { what: 'x', initialDelayMs: 60_000, signal: abort.signal });
    setTimeout(() => abort.abort(reason), 10);
    await expect(running).rejects.toBe(reason);
    await expect(retry(op, { what: 'x', signal: abort.signal })).rejects.toBe(reason);
  });
});
