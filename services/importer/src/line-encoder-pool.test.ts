// Real worker threads (the importer's own worker, and a faulty one for the failures).
import { afterEach, describe, expect, it } from 'vitest';
import { isRetriable } from '@mobilecs/platform';
import { LineSplitter, type RawLine } from './line-reader';
import { encodeLines } from './line-encoding';
import { LineEncoderError, LineEncoderPool, type LineEncoderPoolOptions } from './line-encoder-pool';

const ctx = { file: 'f.csv', nowMs: Date.parse('2024-06-01T12:00:00Z'), rejectedAt: '2024-06-01T12:00:00.000Z', futureToleranceMs: 3_600_000, maxLineBytes: 4096 };
const good = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')};2020-01-02T00:00+01:00[Europe/Warsaw];48600000001;${1000 + n}`;
const batch = (from: number, to: number): RawLine[] => {
  const text = Array.from({ length: to - from + 1 }, (_, i) => (from + i) % 7 === 0 ? 'bad;line\n' : `${good(from + i)}\n`).join('');
  return [...new LineSplitter({ maxLineBytes: 4096, startLine: from - 1, startOffset: 1000 * from }).push(Buffer.from(text))];
};
const fixture = new URL('./line-encoder-worker.fixture.ts', import.meta.url);

const pools: LineEncoderPool[] = [];
const pool = (size: number, opts?: LineEncoderPoolOptions) => {
  const p = new LineEncoderPool(size, opts);
  pools.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('LineEncoderPool', () => {
  it('encodes batches given at once in worker threads, each caller getting exactly what encodeLines gives for its batch', async () => {
    const p = pool(3);
    const batches = Array.from({ length: 12 }, (_, i) => batch(i * 50 + 1, i * 50 + 50));
    const results = await Promise.all(batches.map((b) => p.encode(b, ctx)));
    expect(results).toEqual(batches.map((b) => encodeLines(b, ctx)));
    expect(p.workers).toBe(3);
  });

  it.each([
    ['throw', 'threw', /TypeError/],
    ['crash', 'crashed', /fixture worker crashes on line 60/],
    ['exit', 'exited', /exited with code 3/],
  ] as const)('a worker that fails (%s) fails its batch with a retriable LineEncoderError; the other batches and later ones are encoded', async (how, what, detail) => {
    const p = pool(1, { workerUrl: fixture, workerData: { failOnLine: 60, how } });
    const [a, b, c] = await Promise.allSettled([p.encode(batch(1, 50), ctx), p.encode(batch(51, 100), ctx), p.encode(batch(101, 150), ctx)]);
    expect(a).toEqual({ status: 'fulfilled', value: encodeLines(batch(1, 50), ctx) });
    expect(b.status).toBe('rejected');
    const err = (b as PromiseRejectedResult).reason as LineEncoderError;
    expect(err).toBeInstanceOf(LineEncoderError);
    expect(err).toMatchObject({ code: 'IMPORTER_ENCODER_FAILED', what, file: 'f.csv', lines: { first: 51, last: 100 } });
    expect(err.message).toMatch(detail);
    expect(err.message).toMatch(/lines 51–100 of f\.csv .* Nothing of them was published/);
    expect(isRetriable(err)).toBe(true);
    expect(c).toEqual({ status: 'fulfilled', value: encodeLines(batch(101, 150), ctx) });
  });

  it('a worker that does not answer in time fails its batch (timed-out) and is replaced', async () => {
    const p = pool(1, { workerUrl: fixture, workerData: { failOnLine: 1, how: 'hang' }, taskTimeoutMs: 300 });
    await expect(p.encode(batch(1, 10), ctx)).rejects.toMatchObject({ what: 'timed-out' });
    await expect(p.encode(batch(11, 20), ctx)).resolves.toEqual(encodeLines(batch(11, 20), ctx));
  });

  it('close() fails the batches not answered yet and stops the workers', async () => {
    const p = pool(1, { workerUrl: fixture, workerData: { failOnLine: 1, how: 'hang' } });
    const settled = Promise.allSettled([p.encode(batch(1, 10), ctx), p.encode(batch(11, 20), ctx)]);
    await p.close();
    for (const r of await settled) expect(r).toMatchObject({ status: 'rejected', reason: { what: 'closed' } });
    expect(p.workers).toBe(0);
    await expect(p.encode(batch(21, 30), ctx)).rejects.toMatchObject({ what: 'closed' });
  });
});
