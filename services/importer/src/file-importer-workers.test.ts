// importFile with its lines parsed and encoded in real worker threads (LineEncoderPool),
// pipelined (batches read ahead while one commits): the same guarantees as on one thread.
// `publish` only records what one Kafka transaction would carry, as in file-importer.test.ts.
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, type OutgoingMessage } from '@mobilecs/platform';
import { importFile, type FileImporterDeps } from './file-importer';
import { ImportProgressBook, type FileProgress } from './import-progress';
import { importerMetrics } from './importer-metrics';
import { LineEncoderError, LineEncoderPool } from './line-encoder-pool';
import type { LineDeadLetter } from './line-encoding';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const line = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')};2020-01-02T00:00+01:00[Europe/Warsaw];48600000001;${1000 + n}`;
const fixture = new URL('./line-encoder-worker.fixture.ts', import.meta.url);

const pools: LineEncoderPool[] = [];
const newPool = (size: number, opts?: ConstructorParameters<typeof LineEncoderPool>[1]) => {
  const p = new LineEncoderPool(size, opts);
  pools.push(p);
  return p;
};
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

interface Options {
  transactionLines: number;
  batchesAhead: number;
  pool: LineEncoderPool;
  stopping?: () => boolean;
  /** A transaction takes this many event-loop turns (others go on meanwhile). */
  publishTurns?: number;
}

/** One importer process at a time over recorded transactions, its lines encoded by a pool. */
class World {
  readonly dir = mkdtempSync(join(tmpdir(), 'file-importer-workers-'));
  readonly transactions: OutgoingMessage[][] = [];
  /** Transactions open at the same time, at most (must stay 1). */
  maxOpen = 0;
  private open = 0;
  /** Most lines handed to the encoder and not committed yet, at any time. */
  maxHeld = 0;
  private committedLine = 0;
  deps!: FileImporterDeps;

  constructor(opts: Options) {
    this.restart(opts);
  }

  restart(opts: Options): void {
    const book = new ImportProgressBook();
    for (const m of this.all('progress')) expect(book.apply(m.key, Buffer.from(m.value as string))).toBeUndefined();
    const notes = new Set<string>();
    this.deps = {
      publish: async (messages) => {
        this.maxOpen = Math.max(this.maxOpen, ++this.open);
        for (let i = 0; i < (opts.publishTurns ?? 1); i++) await new Promise((r) => setImmediate(r));
        this.open--;
        this.transactions.push(messages);
        this.committedLine = (JSON.parse(messages.at(-1)!.value as string) as FileProgress).line;
      },
      topics: { records: 'records', deadLetters: 'dead', progress: 'progress' },
      book,
      metrics: importerMetrics(new Registry()),
      log: createLogger('test', 'silent'),
      transactionLines: opts.transactionLines,
      maxLineBytes: 4096,
      futureToleranceMs: 3_600_000,
      now: () => new Date(NOW),
      stopping: opts.stopping ?? (() => false),
      firstTime: (note) => !notes.has(note) && Boolean(notes.add(note)),
      encoder: (lines, ctx) => {
        this.maxHeld = Math.max(this.maxHeld, lines.at(-1)!.line - this.committedLine);
        return opts.pool.encode(lines, ctx);
      },
      batchesAhead: opts.batchesAhead,
    };
  }

  all(topic: string): OutgoingMessage[] {
    return this.transactions.flat().filter((m) => m.topic === topic);
  }

  recordLines(): number[] {
    return this.all('records').map((m) => (JSON.parse(m.value as string) as { source: { line: number } }).source.line);
  }

  deadLines(): number[] {
    return this.all('dead').map((m) => (JSON.parse(m.value as string) as LineDeadLetter).source.line);
  }

  /** Every transaction ends with the progress record that matches what it carries. */
  checkTransactions(bytes: Buffer): void {
    let line = 0;
    for (const tx of this.transactions) {
      const last = tx.at(-1)!;
      expect(last.topic).toBe('progress');
      const p = JSON.parse(last.value as string) as FileProgress;
      expect(p.prefixSha256).toBe(sha(bytes.subarray(0, p.offset)));
      expect(bytes[p.offset - 1]).toBe(0x0a);
      const carried = tx.slice(0, -1).map((m) => (JSON.parse(m.value as string) as { source: { line: number } }).source.line);
      expect(carried).toEqual(Array.from({ length: p.line - line }, (_, i) => line + i + 1));
      line = p.line;
    }
  }
}

const shared = newPool(2);

describe('importFile with encoder workers', () => {
  it('property: any sequence of appends, imported after each (restarts in between), gives each complete line once, in order, one transaction at a time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('good', 'blank', 'bad', 'crlf'), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.array(fc.boolean(), { maxLength: 10 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        async (kinds, finalNewline, cuts, restarts, transactionLines, batchesAhead, publishTurns) => {
          const opts = { transactionLines, batchesAhead, pool: shared, publishTurns };
          const w = new World(opts);
          const text = kinds.map((k, i) => (k === 'good' ? `${line(i)}\n` : k === 'blank' ? '\n' : k === 'bad' ? 'only;three;fields\n' : `${line(i)}\r\n`)).join('');
          const bytes = Buffer.from(finalNewline ? text : text.slice(0, -1));
          const path = join(w.dir, 'growing.csv');
          writeFileSync(path, '');
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b).concat(bytes.length);
          let from = 0;
          for (const [step, to] of points.entries()) {
            appendFileSync(path, bytes.subarray(from, to));
            from = to;
            if (restarts[step]) w.restart(opts);
            expect(['imported', 'up-to-date']).toContain((await importFile(path, w.deps)).kind);
          }
          const complete = bytes.lastIndexOf(0x0a) + 1;
          const lines = kinds.slice(0, bytes.subarray(0, complete).toString().split('\n').length - 1);
          expect(w.recordLines()).toEqual(lines.flatMap((k, i) => (k === 'good' || k === 'crlf' ? [i + 1] : [])));
          expect(w.deadLines()).toEqual(lines.flatMap((k, i) => (k === 'blank' || k === 'bad' ? [i + 1] : [])));
          w.checkTransactions(bytes);
          expect(w.maxOpen).toBeLessThanOrEqual(1);
          // Bounded memory: one batch committing, at most batchesAhead more read.
          expect(w.maxHeld).toBeLessThanOrEqual((batchesAhead + 1) * transactionLines);
        },
      ),
      { numRuns: 40 },
    );
  });

  it.each(['crash', 'throw', 'exit'] as const)('a worker that fails (%s) mid-file: a LineEncoderError, nothing of its batch or later ones published; the retry imports each line once', async (how) => {
    const faulty = newPool(2, { workerUrl: fixture, workerData: { failOnLine: 23, how } });
    const w = new World({ transactionLines: 5, batchesAhead: 3, pool: faulty, publishTurns: 2 });
    const bytes = Buffer.from(Array.from({ length: 60 }, (_, i) => (i % 9 === 4 ? 'bad\n' : `${line(i)}\n`)).join(''));
    const path = join(w.dir, 'f.csv');
    writeFileSync(path, bytes);
    const err = await importFile(path, w.deps).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LineEncoderError);
    expect(err).toMatchObject({ lines: { first: 21, last: 25 } });
    // Committed: exactly the batches before the failed one.
    expect(JSON.parse(w.all('progress').at(-1)!.value as string)).toMatchObject({ line: 20 });
    expect(w.maxOpen).toBe(1);
    w.restart({ transactionLines: 7, batchesAhead: 2, pool: shared });
    expect(await importFile(path, w.deps)).toMatchObject({ kind: 'imported', progress: { line: 60, offset: bytes.length } });
    expect([...w.recordLines(), ...w.deadLines()].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(w.recordLines()).toEqual(Array.from({ length: 60 }, (_, i) => i + 1).filter((n) => (n - 1) % 9 !== 4));
    w.checkTransactions(bytes);
  });

  it('stopping: the transaction in progress is committed, the batches read ahead are not; the next start continues after it', async () => {
    let stopping = false;
    const w = new World({ transactionLines: 4, batchesAhead: 3, pool: shared, stopping: () => stopping, publishTurns: 3 });
    const bytes = Buffer.from(Array.from({ length: 40 }, (_, i) => `${line(i)}\n`).join(''));
    const path = join(w.dir, 'f.csv');
    writeFileSync(path, bytes);
    const publish = w.deps.publish;
    w.deps.publish = async (m) => {
      await publish(m);
      if (w.transactions.length === 2) stopping = true;
    };
    expect(await importFile(path, w.deps)).toMatchObject({ kind: 'stopped', progress: { line: 8 } });
    expect(w.transactions).toHaveLength(2);
    w.restart({ transactionLines: 4, batchesAhead: 3, pool: shared });
    expect(await importFile(path, w.deps)).toMatchObject({ kind: 'imported', records: 32 });
    expect(w.recordLines()).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    w.checkTransactions(bytes);
  });
});
