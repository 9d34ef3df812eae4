// The importer as a log shipper (issue #12): files written in place slowly, appended to
// after import, edited or truncated, names to ignore, lines stamped in the future, and a
// restart in the middle of a growing file. Real Kafka, the importer as a child process.
import { appendFileSync, closeSync, openSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importedRecordCodec } from '@mobilecs/domain';
import type { IncomingMessage } from '@mobilecs/platform';
import type { ServiceProcess } from '../support/service-process';
import { ImporterHarness } from './importer-harness';

const line = (n: number, at = '2020-01-02T00:00+01:00[Europe/Warsaw]') =>
  `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')};${at};4860000${String(n % 50).padStart(4, '0')};${1000 + n}`;
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${line(from + i)}\n`).join('');

const source = (m: IncomingMessage) => {
  const r = importedRecordCodec.decode(m.value ?? Buffer.alloc(0));
  if (!r.ok) throw r.error;
  return `${r.value.source?.file}:${r.value.source?.line}:${r.value.externalId.slice(-4)}`;
};
const expected = (file: string, from: number, to: number, firstNumber = from) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${file}:${from + i}:${(firstNumber + i).toString(16).padStart(12, '0').slice(-4)}`);
const sorted = (xs: string[]) => [...xs].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
const deadLetter = (m: IncomingMessage) => JSON.parse(m.value?.toString('utf8') ?? '{}') as { source: { file: string; line?: number; offset?: number }; reason: string; message: string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for a log line matching `pattern` written after `since` lines. */
async function waitForNewLog(p: ServiceProcess, since: number, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const hit = p.lines.slice(since).find((l) => pattern.test(l));
    if (hit) return hit;
    await sleep(20);
  }
  throw new Error(`${p.name} did not log ${pattern} within ${timeoutMs} ms:\n${p.tail()}`);
}

describe('importer: files written in place, growing, changed (real Kafka, importer as a child process)', () => {
  let h: ImporterHarness;
  afterEach(async () => {
    await h.stopAll();
  });

  it('a file written in place slowly, half lines at a time, gives exactly its 10 lines once; partial-download and hidden names are ignored', async () => {
    h = new ImporterHarness({ IMPORTER_STABILITY_MS: '50' });
    const importer = await h.start();
    const path = join(h.dir, 'slow.csv');
    writeFileSync(path, '');
    for (let n = 1; n <= 10; n++) {
      const text = line(n);
      // Half a line, a pause long enough for the importer to look, then the rest and its newline.
      appendFileSync(path, text.slice(0, 30));
      await sleep(100 + Math.floor(Math.random() * 100));
      appendFileSync(path, `${text.slice(30)}\n`);
      await sleep(100 + Math.floor(Math.random() * 200));
    }
    // Names never imported by default, full of valid lines.
    for (const name of ['x.part', '.hidden', 'tmp1', 'a.csv~', 'b.tmp', 'c.crdownload']) writeFileSync(join(h.dir, name), lines(100, 102));
    h.drop('after.csv', lines(200, 200));
    await importer.waitForLog(/imported after.csv/);

    const records = await h.records(11);
    expect(sorted(records.map(source))).toEqual(sorted([...expected('slow.csv', 1, 10), ...expected('after.csv', 1, 1, 200)]));
    expect(await h.deadLetters(0, 500)).toHaveLength(0);
    // It was imported as it grew, not once at the end.
    expect(importer.lines.filter((l) => /imported slow.csv: [1-9]\d* records/.test(l)).length).toBeGreaterThan(1);
    expect(importer.lines.some((l) => /slow.csv: line \d+ .* has no newline yet/.test(l))).toBe(true);
    for (const name of ['x.part', '.hidden', 'tmp1', 'a.csv~', 'b.tmp', 'c.crdownload']) {
      expect(importer.lines.some((l) => l.includes(`"file":"${name}"`))).toBe(false);
    }
  });

  it('appended lines are imported alone; an edited imported line is file-changed, a shrunk file file-truncated, neither re-imported; a line dated 2099 is a dead letter', async () => {
    h = new ImporterHarness({ IMPORTER_STABILITY_MS: '50' });
    const importer = await h.start();
    // Appended after it was imported: only the new lines.
    const grow = join(h.dir, 'grow.csv');
    writeFileSync(grow, lines(1, 3));
    await importer.waitForLog(/imported grow.csv: 3 records/);
    let since = importer.lines.length;
    appendFileSync(grow, lines(4, 5));
    await waitForNewLog(importer, since, /imported grow.csv: 2 records, 0 rejected \(lines 4–5; 5 records in all\)/);

    // The first line edited after import: reported, not imported again, and said once.
    const edited = join(h.dir, 'edited.csv');
    writeFileSync(edited, lines(10, 12));
    await importer.waitForLog(/imported edited.csv: 3 records/);
    since = importer.lines.length;
    // Overwrite the first line in place (same length, no truncation), as an editor might.
    const fd = openSync(edited, 'r+');
    writeSync(fd, line(19), 0);
    closeSync(fd);
    await waitForNewLog(importer, since, /edited.csv changed after \d+ bytes \(3 lines\) of it were imported/);
    appendFileSync(edited, lines(14, 14)); // still changed: not reported again
    await sleep(1000);

    // Shrunk below what was imported.
    const shrunk = join(h.dir, 'shrunk.csv');
    writeFileSync(shrunk, lines(20, 22));
    await importer.waitForLog(/imported shrunk.csv: 3 records/);
    since = importer.lines.length;
    truncateSync(shrunk, line(20).length + 1);
    await waitForNewLog(importer, since, /shrunk.csv is \d+ bytes, shorter than the \d+ bytes \(3 lines\) already imported/);

    // A mistyped year among good lines.
    h.drop('future.csv', `${line(30)}\n${line(31, '2099-01-01T00:00:00Z')}\n${line(32)}\n`);
    await importer.waitForLog(/imported future.csv: 2 records, 1 rejected/);

    const [records, letters] = await Promise.all([h.records(13), h.deadLetters(3)]);
    expect(sorted(records.map(source))).toEqual(
      sorted([...expected('grow.csv', 1, 5), ...expected('edited.csv', 1, 3, 10), ...expected('shrunk.csv', 1, 3, 20), 'future.csv:1:001e', 'future.csv:3:0020']),
    );
    const byReason = new Map(letters.map((m) => [deadLetter(m).reason, { key: m.key, ...deadLetter(m) }]));
    expect([...byReason.keys()].sort()).toEqual(['file-changed', 'file-truncated', 'recorded-at-in-future']);
    expect(byReason.get('file-changed')).toMatchObject({ key: 'edited.csv', source: { file: 'edited.csv' } });
    expect(byReason.get('file-changed')?.message).toMatch(/give new or corrected data a new file name/);
    expect(byReason.get('file-truncated')).toMatchObject({ key: 'shrunk.csv', source: { file: 'shrunk.csv' } });
    expect(byReason.get('recorded-at-in-future')).toMatchObject({ key: 'future.csv', source: { file: 'future.csv', line: 2, offset: line(30).length + 1 } });
    expect(importer.lines.filter((l) => /edited.csv changed after/.test(l))).toHaveLength(1);
  });

  it('IMPORTER_INCLUDE and IMPORTER_EXCLUDE choose the names', async () => {
    h = new ImporterHarness({ IMPORTER_INCLUDE: '*.csv,*.{dat,txt}', IMPORTER_EXCLUDE: 'skip-*,.*,tmp_*' });
    const importer = await h.start();
    for (const [name, n] of [['a.csv', 1], ['b.dat', 2], ['skip-c.csv', 3], ['d.json', 4], ['tmp1.csv', 5], ['x.part', 6]] as const) {
      writeFileSync(join(h.dir, name), lines(n, n));
    }
    h.drop('last.txt', lines(7, 7));
    await importer.waitForLog(/imported last.txt/);
    const records = await h.records(4);
    // tmp1.csv: the exclusions were replaced, and tmp_* does not match it. x.part: not included.
    expect(sorted(records.map(source))).toEqual(sorted(['a.csv:1:0001', 'b.dat:1:0002', 'tmp1.csv:1:0005', 'last.txt:1:0007']));
  });

  it('a restart in the middle of a growing file continues at its offset; lines appended while a file is imported are picked up', async () => {
    h = new ImporterHarness({ IMPORTER_STABILITY_MS: '50', IMPORTER_TRANSACTION_LINES: '500' });
    let importer = await h.start();
    const path = join(h.dir, 'log.csv');
    writeFileSync(path, lines(1, 3));
    await importer.waitForLog(/imported log.csv: 3 records/);
    await importer.kill('SIGKILL');
    appendFileSync(path, `${lines(4, 6)}${line(7).slice(0, 10)}`);
    importer = await h.start();
    await importer.waitForLog(/continuing log.csv after line 3 \(byte \d+\)/);
    await importer.waitForLog(/imported log.csv: 3 records, 0 rejected \(lines 4–6; 6 records in all\)/);
    let since = importer.lines.length;
    appendFileSync(path, `${line(7).slice(10)}\n`);
    await waitForNewLog(importer, since, /imported log.csv: 1 records, 0 rejected \(lines 7–7/);

    // A large file appended to while it is being imported: the appended lines follow.
    since = importer.lines.length;
    const big = join(h.dir, 'big.csv');
    writeFileSync(big, lines(1000, 40_999));
    await waitForNewLog(importer, since, /importing big.csv/);
    appendFileSync(big, lines(41_000, 41_009));
    // The appended lines are read in the pass under way if it has not reached the end yet,
    // else by the next one; either way the change seen during the import makes the
    // importer look at the file again afterwards.
    await waitForNewLog(importer, since, /imported big.csv: (40010 records|10 records, 0 rejected \(lines 40001–40010)/, 60_000);
    await waitForNewLog(importer, since, /big.csv was already imported: skipped|imported big.csv: 10 records/, 30_000);

    const records = await h.records(7 + 40_010, 60_000);
    const got = records.map(source);
    expect(got.filter((s) => s.startsWith('log.csv:'))).toHaveLength(7);
    expect(sorted(got.filter((s) => s.startsWith('log.csv:')))).toEqual(sorted(expected('log.csv', 1, 7)));
    const bigLines = got.filter((s) => s.startsWith('big.csv:')).map((s) => Number(s.split(':')[1]));
    expect(bigLines).toHaveLength(40_010);
    expect(new Set(bigLines).size).toBe(40_010);
  }, 180_000);
});
