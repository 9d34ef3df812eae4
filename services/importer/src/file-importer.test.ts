// The importer's file semantics without Kafka: `publish` here only records what one
// Kafka transaction would carry (the real transactions are tested in test/importer/).
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger, type OutgoingMessage } from '@mobilecs/platform';
import { importFile, type FileDeadLetter, type FileImporterDeps, type LineDeadLetter } from './file-importer';
import { ImportProgressBook, type FileProgress } from './import-progress';
import { importerMetrics } from './importer-metrics';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const line = (n: number, at = '2020-01-02T00:00+01:00[Europe/Warsaw]') =>
  `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')};${at};48600000001;${1000 + n}`;

/** One importer process: a progress book restored from what was published so far. */
class World {
  readonly dir = mkdtempSync(join(tmpdir(), 'file-importer-'));
  readonly transactions: OutgoingMessage[][] = [];
  private notes = new Set<string>();
  deps: FileImporterDeps;

  constructor(opts: { transactionLines?: number; maxLineBytes?: number } = {}) {
    this.deps = this.process(new ImportProgressBook(), opts);
  }

  private process(book: ImportProgressBook, opts: { transactionLines?: number; maxLineBytes?: number }): FileImporterDeps {
    return {
      publish: async (messages) => void this.transactions.push(messages),
      topics: { records: 'records', deadLetters: 'dead', progress: 'progress' },
      book,
      metrics: importerMetrics(new Registry()),
      log: createLogger('test', 'silent'),
      transactionLines: opts.transactionLines ?? 2000,
      maxLineBytes: opts.maxLineBytes ?? 4096,
      futureToleranceMs: 3_600_000,
      now: () => new Date(NOW),
      stopping: () => false,
      firstTime: (note) => !this.notes.has(note) && Boolean(this.notes.add(note)),
    };
  }

  /** A new importer process: the book is restored from the progress topic, notes are forgotten. */
  restart(opts: { transactionLines?: number } = {}): void {
    const book = new ImportProgressBook();
    for (const m of this.all('progress')) expect(book.apply(m.key, Buffer.from(m.value as string))).toBeUndefined();
    this.notes = new Set();
    this.deps = this.process(book, opts);
  }

  all(topic: string): OutgoingMessage[] {
    return this.transactions.flat().filter((m) => m.topic === topic);
  }

  records(file?: string): { file: string; line: number; externalId: string }[] {
    return this.all('records')
      .map((m) => JSON.parse(m.value as string) as { externalId: string; source: { file: string; line: number } })
      .map((r) => ({ file: r.source.file, line: r.source.line, externalId: r.externalId }))
      .filter((r) => file === undefined || r.file === file);
  }

  deadLetters<T = LineDeadLetter | FileDeadLetter>(): T[] {
    return this.all('dead').map((m) => JSON.parse(m.value as string) as T);
  }

  progress(file: string): FileProgress | undefined {
    const last = this.all('progress').filter((m) => m.key === `file:${file}`).at(-1);
    return last && (JSON.parse(last.value as string) as FileProgress);
  }

  path(name: string): string {
    return join(this.dir, name);
  }
}

describe('importFile: a file that grows', () => {
  it('property: the file written in any sequence of appends, imported after each (restarts in between), gives each complete line once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('good', 'blank', 'bad', 'crlf'), { minLength: 1, maxLength: 25 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.boolean(), { maxLength: 14 }),
        fc.integer({ min: 1, max: 4 }),
        async (kinds, finalNewline, cuts, restarts, transactionLines) => {
          const w = new World({ transactionLines });
          const text = kinds.map((k, i) => (k === 'good' ? `${line(i)}\n` : k === 'blank' ? '\n' : k === 'bad' ? 'only;three;fields\n' : `${line(i)}\r\n`)).join('');
          const bytes = Buffer.from(finalNewline ? text : text.slice(0, -1));
          const path = w.path('growing.csv');
          writeFileSync(path, '');
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b).concat(bytes.length);
          let from = 0;
          for (const [step, to] of points.entries()) {
            appendFileSync(path, bytes.subarray(from, to));
            from = to;
            if (restarts[step]) w.restart({ transactionLines });
            const outcome = await importFile(path, w.deps);
            expect(['imported', 'up-to-date']).toContain(outcome.kind);
          }
          const complete = bytes.lastIndexOf(0x0a) + 1;
          const lines = kinds.slice(0, bytes.subarray(0, complete).toString().split('\n').length - 1);
          // Every complete line exactly once: good ones as records (in order), the others as dead letters.
          expect(w.records().map((r) => r.line)).toEqual(lines.flatMap((k, i) => (k === 'good' || k === 'crlf' ? [i + 1] : [])));
          expect(w.records().map((r) => r.externalId)).toEqual(lines.flatMap((k, i) => (k === 'good' || k === 'crlf' ? [line(i).split(';')[0]] : [])));
          expect(w.deadLetters<LineDeadLetter>().map((d) => d.source.line)).toEqual(lines.flatMap((k, i) => (k === 'blank' || k === 'bad' ? [i + 1] : [])));
          const p = w.progress('growing.csv');
          if (complete === 0) {
            expect(p).toBeUndefined();
          } else {
            expect(p).toMatchObject({ offset: complete, line: lines.length, prefixSha256: sha(bytes.subarray(0, complete)) });
            expect(p!.records + p!.rejected).toBe(lines.length);
          }
          // Every transaction's progress record is the last message of that transaction and matches its content.
          for (const tx of w.transactions) {
            const last = tx.at(-1)!;
            expect(last.topic).toBe('progress');
            const progress = JSON.parse(last.value as string) as FileProgress;
            expect(progress.prefixSha256).toBe(sha(bytes.subarray(0, progress.offset)));
            expect(bytes[progress.offset - 1]).toBe(0x0a);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('an unterminated last line waits for its newline, and is said once', async () => {
    const w = new World();
    const path = w.path('slow.csv');
    writeFileSync(path, `${line(1)}\n${line(2).slice(0, 20)}`);
    const infos: string[] = [];
    w.deps.log = { ...w.deps.log, info: (_: unknown, msg: string) => void infos.push(msg), warn: () => undefined, debug: () => undefined } as unknown as FileImporterDeps['log'];
    expect(await importFile(path, w.deps)).toMatchObject({ kind: 'imported', records: 1, complete: false });
    expect(await importFile(path, w.deps)).toMatchObject({ kind: 'up-to-date', complete: false });
    appendFileSync(path, line(2).slice(20, 30));
    expect(await importFile(path, w.deps)).toMatchObject({ kind: 'up-to-date', complete: false });
    expect(infos.filter((m) => /has no newline yet/.test(m))).toHaveLength(1);
    appendFileSync(path, `${line(2).slice(30)}\n`);
    expect(await importFile(path, w.deps)).toMatchObject({ kind: 'imported', records: 1, complete: true });
    expect(w.records().map((r) => r.line)).toEqual([1, 2]);
    expect(await importFile(path, w.deps)).toMatchObject({ kind: 'up-to-date', complete: true });
    expect(infos.at(-1)).toBe('slow.csv was already imported: skipped');
  });
});

describe('importFile: a file that changed or shrank', () => {
  const setup = async () => {
    const w = new World();
    const path = w.path('f.csv');
    writeFileSync(path, `${line(1)}\n${line(2)}\n`);
    await importFile(path, w.deps);
    return { w, path };
  };

  it('an edited first line: file-changed, once per state, nothing re-imported; again after a restart it is not repeated', async () => {
    const { w, path } = await setup();
    writeFileSync(path, `${line(9)}\n${line(2)}\n${line(3)}\n`);
    expect(await importFile(path, w.deps)).toEqual({ kind: 'refused', reason: 'file-changed' });
    expect(await importFile(path, w.deps)).toEqual({ kind: 'refused', reason: 'file-changed' });
    appendFileSync(path, `${line(4)}\n`); // grows after the change: the same changed prefix, not reported again
    expect(await importFile(path, w.deps)).toEqual({ kind: 'refused', reason: 'file-changed' });
    w.restart();
    expect(await importFile(path, w.deps)).toEqual({ kind: 'refused', reason: 'file-changed' });
    const letters = w.deadLetters<FileDeadLetter>();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ source: { file: 'f.csv' }, reason: 'file-changed', importedBytes: Buffer.byteLength(`${line(1)}\n${line(2)}\n`), importedLines: 2 });
    expect(letters[0]?.message).toMatch(/f\.csv changed after .* bytes \(2 lines\).*new file name/);
    expect(w.all('dead')[0]?.key).toBe('f.csv');
    expect(w.records()).toHaveLength(2);
  });

  it('a truncated file: file-truncated; restored, it is imported further; edited again, reported again', async () => {
    const { w, path } = await setup();
    writeFileSync(path, `${line(1)}\n`);
    expect(await importFile(path, w.deps)).toEqual({ kind: 'refused', reason: 'file-truncated' });
    expect(await importFile(path, w.deps)).toEqual({ kind: 'refused', reason: 'file-truncated' });
    expect(w.deadLetters<FileDeadLetter>().map((d) => [d.reason, d.size])).toEqual([['file-truncated', Buffer.byteLength(`${line(1)}\n`)]]);
    writeFileSync(path, `${line(1)}\n${line(2)}\n${line(3)}\n`);
    expect(await importFile(path, w.deps)).toMatchObject({ kind: 'imported', records: 1 });
    expect(w.progress('f.csv')?.reported).toBeUndefined();
    writeFileSync(path, '');
    expect(await importFile(path, w.deps)).toEqual({ kind: 'refused', reason: 'file-truncated' });
    expect(w.deadLetters()).toHaveLength(2);
    expect(w.records().map((r) => r.line)).toEqual([1, 2, 3]);
  });
});

describe('importFile: the same content under another name', () => {
  it('is a duplicate (recorded, not published); appended lines of the copy are then imported', async () => {
    const w = new World();
    writeFileSync(w.path('a.csv'), `${line(1)}\n${line(2)}\n`);
    await importFile(w.path('a.csv'), w.deps);
    writeFileSync(w.path('b.csv'), `${line(1)}\n${line(2)}\n`);
    expect(await importFile(w.path('b.csv'), w.deps)).toMatchObject({ kind: 'duplicate', original: { file: 'a.csv' } });
    w.restart();
    expect(await importFile(w.path('b.csv'), w.deps)).toMatchObject({ kind: 'up-to-date' });
    appendFileSync(w.path('b.csv'), `${line(3)}\n`);
    expect(await importFile(w.path('b.csv'), w.deps)).toMatchObject({ kind: 'imported', records: 1 });
    expect(w.records().map((r) => `${r.file}:${r.line}`)).toEqual(['a.csv:1', 'a.csv:2', 'b.csv:3']);
    // Empty files are never duplicates of each other: an empty file may be a log about to be written.
    writeFileSync(w.path('e1.csv'), '');
    writeFileSync(w.path('e2.csv'), '');
    expect((await importFile(w.path('e1.csv'), w.deps)).kind).toBe('up-to-date');
    expect((await importFile(w.path('e2.csv'), w.deps)).kind).toBe('up-to-date');
  });
});

describe('importFile: upgrade from v1 progress records', () => {
  it('continues an import the old version had not finished when the file is still that file; a changed one is reported', async () => {
    const w = new World();
    const content = `${line(1)}\n${line(2)}\n${line(3)}\n`;
    writeFileSync(w.path('old.csv'), content);
    writeFileSync(w.path('done.csv'), `${line(7)}\n`);
    const second = Buffer.byteLength(`${line(1)}\n${line(2)}\n`);
    w.transactions.push([
      { topic: 'progress', key: sha(content), value: JSON.stringify({ sha256: sha(content), file: 'old.csv', size: content.length, line: 2, offset: second, records: 2, rejected: 0, done: false, updatedAt: '2024-01-01T00:00:00Z' }) },
      { topic: 'progress', key: sha(`${line(7)}\n`), value: JSON.stringify({ sha256: sha(`${line(7)}\n`), file: 'done.csv', size: line(7).length + 1, line: 1, offset: line(7).length + 1, records: 1, rejected: 0, done: true, updatedAt: '2024-01-01T00:00:00Z' }) },
    ]);
    w.restart();
    expect(await importFile(w.path('old.csv'), w.deps)).toMatchObject({ kind: 'imported', records: 1, progress: { line: 3, offset: content.length, prefixSha256: sha(content) } });
    expect(w.records().map((r) => r.line)).toEqual([3]);
    expect(await importFile(w.path('done.csv'), w.deps)).toMatchObject({ kind: 'up-to-date' });
    appendFileSync(w.path('done.csv'), `${line(8)}\n`);
    expect(await importFile(w.path('done.csv'), w.deps)).toMatchObject({ kind: 'imported', records: 1, progress: { line: 2 } });

    const other = new World();
    writeFileSync(other.path('old.csv'), `${line(1)}\n${line(2)}\nchanged\n`);
    other.transactions.push([{ topic: 'progress', key: sha(content), value: JSON.stringify({ sha256: sha(content), file: 'old.csv', size: content.length, line: 2, offset: second, records: 2, rejected: 0, done: false, updatedAt: '2024-01-01T00:00:00Z' }) }]);
    other.restart();
    expect(await importFile(other.path('old.csv'), other.deps)).toEqual({ kind: 'refused', reason: 'file-changed' });
    expect(await importFile(other.path('old.csv'), other.deps)).toEqual({ kind: 'refused', reason: 'file-changed' });
    expect(other.deadLetters()).toHaveLength(1);
  });
});

describe('importFile: lines', () => {
  it('a line stamped beyond now + tolerance is a dead letter (recorded-at-in-future), the others are imported', async () => {
    const w = new World();
    writeFileSync(w.path('f.csv'), `${line(1)}\n${line(2, '2099-01-01T00:00:00Z')}\n${line(3, '2024-06-01T12:59:59Z')}\n${line(4, '2024-06-01T13:00:01Z')}\n`);
    await importFile(w.path('f.csv'), w.deps);
    expect(w.records().map((r) => r.line)).toEqual([1, 3]);
    const letters = w.deadLetters<LineDeadLetter>();
    expect(letters.map((d) => [d.reason, d.source.line])).toEqual([
      ['recorded-at-in-future', 2],
      ['recorded-at-in-future', 4],
    ]);
    expect(letters[0]?.source.offset).toBe(line(1).length + 1);
    expect(letters[0]?.message).toMatch(/f\.csv:2: recordedAt 2099-01-01T00:00:00\.000Z is in the future/);
  });

  it('dead letters carry the raw line bounded, with its length and SHA-256; invalid UTF-8 also as base64', async () => {
    const w = new World({ maxLineBytes: 65_536 });
    const long = `${'"'.repeat(40_000)}`;
    const invalid = Buffer.from([0x38, 0x61, 0xff, 0xfe, 0x3b, 0x31]);
    writeFileSync(w.path('f.csv'), Buffer.concat([Buffer.from(`${long}\n`), invalid, Buffer.from('\nx;y\n')]));
    await importFile(w.path('f.csv'), w.deps);
    const [big, bad, short] = w.deadLetters<LineDeadLetter>();
    expect(big).toMatchObject({ reason: 'field-count', rawBytes: 40_000, rawSha256: sha(long), truncated: true });
    expect(Buffer.byteLength(big!.raw)).toBe(16 * 1024);
    expect(Buffer.byteLength(JSON.stringify(big))).toBeLessThan(6 * 16 * 1024 + 5000);
    expect(bad).toMatchObject({ reason: 'invalid-utf8', rawBase64: invalid.toString('base64'), rawBytes: 6, rawSha256: sha(invalid), truncated: false });
    expect(short).toMatchObject({ reason: 'field-count', raw: 'x;y', rawBytes: 3, truncated: false });

    const v = new World({ maxLineBytes: 100 });
    writeFileSync(v.path('g.csv'), `${'z'.repeat(500)}\n`);
    await importFile(v.path('g.csv'), v.deps);
    expect(v.deadLetters<LineDeadLetter>()[0]).toMatchObject({ reason: 'line-too-long', raw: 'z'.repeat(100), rawBytes: 500, rawSha256: sha('z'.repeat(500)), truncated: true });
  });
});
