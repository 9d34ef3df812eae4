import { appendFileSync, copyFileSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importedRecordCodec, internalRecordId, parseTimestamp } from '@mobilecs/domain';
import { ImporterHarness } from './importer-harness';

const fixtureName = 'idr_000_2020-01-02_1349856c-14bb-33a0-ae31-b3df49201961.csv';
const fixture = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'seed-example', fixtureName));

const decode = (v: Buffer | null) => {
  const r = importedRecordCodec.decode(v ?? Buffer.alloc(0));
  if (!r.ok) throw r.error;
  return r.value;
};

describe('importer (real Kafka, importer as a child process)', () => {
  let h: ImporterHarness;
  afterEach(async () => {
    await h.stopAll();
  });

  it('imports the fixture file as exactly 31 records, once, whatever happens to the file afterwards', async () => {
    h = new ImporterHarness();
    h.drop(fixtureName, fixture);
    let importer = await h.start();
    await importer.waitForLog(/imported idr_000/);
    const records = await h.records(31);
    expect(records).toHaveLength(31);
    const lines = fixture.toString('utf8').trim().split('\n');
    const byLine = new Map(records.map((m) => [decode(m.value).source?.line, m]));
    for (const [i, text] of lines.entries()) {
      const [externalId, recordedAt, msisdn, bytes] = text.split(';') as [string, string, string, string];
      const m = byLine.get(i + 1);
      expect(m?.key).toBe(msisdn);
      const at = parseTimestamp(recordedAt);
      if (!at.ok) throw at.error;
      expect(m?.timestamp).toBe(at.value);
      const r = decode(m?.value ?? null);
      expect(r).toMatchObject({ externalId, msisdn, recordedBytes: BigInt(bytes), recordedAt: at.value, source: { file: fixtureName, line: i + 1 } });
      expect(r.internalId).toBe(internalRecordId({ externalId, msisdn, recordedAt: at.value, recordedBytes: Number(bytes) }));
    }

    // Restart: the file is still in the folder and is skipped.
    await importer.kill('SIGTERM');
    importer = await h.start();
    await importer.waitForLog(/was already imported: skipped/);
    // A copy under another name, and the original renamed: detected by content, reported.
    copyFileSync(join(h.dir, fixtureName), join(h.dir, 'copy-of-fixture.csv'));
    await importer.waitForLog(/copy-of-fixture.csv has the same content as idr_000/);
    renameSync(join(h.dir, fixtureName), join(h.dir, 'renamed.csv'));
    await importer.waitForLog(/renamed.csv has the same content/);
    expect(await h.records(31, 3000)).toHaveLength(31);
  });

  it('sends every kind of bad line to dead letters with file, line and reason, and keeps going', async () => {
    h = new ImporterHarness({ IMPORTER_MAX_LINE_BYTES: '200' });
    const good = (n: number) => `8aae90a1-c2e7-33e5-9fab-f8f3e19009${String(n).padStart(2, '0')};2020-01-02T00:00+01:00[Europe/Warsaw];48917846822;${n}`;
    const bad: [string | Buffer, string][] = [
      ['only;three;fields', 'field-count'],
      ['not-a-uuid;2020-01-02T00:00+01:00[Europe/Warsaw];48917846822;5', 'invalid-external-id'],
      ['8aae90a1-c2e7-33e5-9fab-f8f3e1900906;2020-13-02T00:00+01:00[Europe/Warsaw];48917846822;5', 'invalid-recorded-at'],
      ['8aae90a1-c2e7-33e5-9fab-f8f3e1900906;2020-01-02T00:00+01:00[Europe/Nowhere];48917846822;5', 'invalid-recorded-at'],
      ['8aae90a1-c2e7-33e5-9fab-f8f3e1900906;2020-01-02T00:00+01:00[Europe/Warsaw];48917846822;-5', 'invalid-recorded-bytes'],
      ['8aae90a1-c2e7-33e5-9fab-f8f3e1900906;2020-01-02T00:00+01:00[Europe/Warsaw];48917846822;5.5', 'invalid-recorded-bytes'],
      ['8aae90a1-c2e7-33e5-9fab-f8f3e1900906;2020-01-02T00:00+01:00[Europe/Warsaw];48917846822;9223372036854775808', 'invalid-recorded-bytes'],
      ['', 'blank-line'],
      [`8aae90a1-c2e7-33e5-9fab-f8f3e1900906;${'x'.repeat(300)};48917846822;5`, 'line-too-long'],
      [Buffer.from([0x38, 0x61, 0xff, 0xfe, 0x3b, 0x31]), 'invalid-utf8'],
    ];
    const parts: Buffer[] = [];
    let goodCount = 0;
    for (const [i, [line]] of bad.entries()) {
      parts.push(Buffer.from(`${good(i)}\n`));
      goodCount++;
      parts.push(Buffer.isBuffer(line) ? line : Buffer.from(line), Buffer.from('\n'));
    }
    h.drop('mixed.csv', Buffer.concat(parts));
    const importer = await h.start();
    await importer.waitForLog(/imported mixed.csv/);
    const [records, letters] = await Promise.all([h.records(goodCount), h.deadLetters(bad.length)]);
    expect(records).toHaveLength(goodCount);
    expect(letters).toHaveLength(bad.length);
    expect(records.length + letters.length).toBe(goodCount + bad.length);
    const parsed = letters.map((m) => JSON.parse(m.value?.toString() ?? '{}') as { source: { file: string; line: number }; reason: string; message: string; raw: string; rawBase64?: string });
    parsed.sort((a, b) => a.source.line - b.source.line);
    for (const [i, letter] of parsed.entries()) {
      expect(letter.source).toMatchObject({ file: 'mixed.csv', line: 2 * i + 2 });
      expect(letter.reason).toBe(bad[i]?.[1]);
      expect(letter.message).toContain(`mixed.csv:${2 * i + 2}`);
    }
    expect(parsed.at(-1)?.rawBase64).toBe(Buffer.from([0x38, 0x61, 0xff, 0xfe, 0x3b, 0x31]).toString('base64'));
    expect(letters.every((m) => m.key === 'mixed.csv')).toBe(true);

    // Still running: the next file is imported.
    h.drop('next.csv', `${good(99)}\n`);
    await importer.waitForLog(/imported next.csv/);
  });

  it('reports a file it cannot read on dead letters and skips it: the other files are imported, it is imported once readable', async () => {
    h = new ImporterHarness();
    // Tests run as root, who reads a file of mode 000; a write-only /proc/sys file refuses
    // even root (EACCES), so a data-file name linked to it is a file no one can read.
    const unreadable = '/proc/sys/vm/drop_caches';
    expect(() => readFileSync(unreadable)).toThrow(expect.objectContaining({ code: 'EACCES' }) as Error);
    const good = (n: number) => `8aae90a1-c2e7-33e5-9fab-f8f3e19010${String(n).padStart(2, '0')};2020-01-02T00:00+01:00[Europe/Warsaw];48917846822;${n}\n`;
    symlinkSync(unreadable, join(h.dir, 'b-unreadable.csv'));
    h.drop('a-good.csv', good(1) + good(2));
    h.drop('c-good.csv', good(3));
    const importer = await h.start();
    await importer.waitForLog(/imported a-good.csv: 2 records/);
    await importer.waitForLog(/imported c-good.csv: 1 records/);
    await importer.waitForLog(/b-unreadable.csv cannot be read: EACCES/);
    const [letter, ...more] = await h.deadLetters(1);
    expect(more).toHaveLength(0);
    expect(letter?.key).toBe('b-unreadable.csv');
    expect(JSON.parse(letter?.value?.toString() ?? '{}')).toMatchObject({
      source: { file: 'b-unreadable.csv' },
      reason: 'file-unreadable',
      errorCode: 'EACCES',
      message: expect.stringMatching(/^b-unreadable.csv cannot be read: EACCES .*skipped/) as unknown,
    });
    expect(await h.records(3)).toHaveLength(3);

    // Still ready, and it says so in its metrics.
    const port = Number(/"port":(\d+)/.exec(await importer.waitForLog(/"msg":"importer ready"/))?.[1]);
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(/importer_files_refused_total\{reason="file-unreadable",service="importer"\} 1/);

    // Written again under its name (a readable file now): imported on that change.
    h.drop('b-unreadable.csv', good(4) + good(5));
    await importer.waitForLog(/imported b-unreadable.csv: 2 records/);
    expect(await h.records(5)).toHaveLength(5);
    expect(await h.deadLetters(2, 1000)).toHaveLength(1);
    h.drop('d-next.csv', good(6));
    await importer.waitForLog(/imported d-next.csv/);
  });

  it('reads CRLF line endings, a UTF-8 BOM and an empty file; a last line without newline waits for its newline', async () => {
    h = new ImporterHarness();
    const lines = fixture.toString('utf8').trim().split('\n');
    h.drop('a-crlf.csv', `${lines.slice(0, 3).join('\r\n')}\r\n`);
    h.drop('b-bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.slice(3, 6).join('\n')}\n`)]));
    h.drop('c-empty.csv', '');
    h.drop('d-no-final-newline.csv', lines.slice(6, 9).join('\n'));
    const importer = await h.start();
    await importer.waitForLog(/imported d-no-final-newline.csv: 2 records, 0 rejected/);
    await importer.waitForLog(/d-no-final-newline.csv: line 3 .* has no newline yet/);
    // Only complete lines: the unterminated third line of d is not imported (yet).
    const before = await h.records(8);
    expect(before).toHaveLength(8);
    expect(new Set(before.map((m) => decode(m.value).externalId))).toEqual(new Set(lines.slice(0, 8).map((l) => l.split(';')[0])));
    expect(await h.records(9, 1500)).toHaveLength(8);
    // Its newline arrives: the line is imported, once, as line 3.
    appendFileSync(join(h.dir, 'd-no-final-newline.csv'), '\n');
    await importer.waitForLog(/imported d-no-final-newline.csv: 1 records, 0 rejected \(lines 3–3/);
    const records = await h.records(9);
    expect(records).toHaveLength(9);
    expect(new Set(records.map((m) => decode(m.value).externalId))).toEqual(new Set(lines.slice(0, 9).map((l) => l.split(';')[0])));
    expect(records.filter((m) => decode(m.value).source?.file === 'd-no-final-newline.csv').map((m) => decode(m.value).source?.line).sort()).toEqual([1, 2, 3]);
    expect(await h.records(10, 1000)).toHaveLength(9);
    expect(await h.deadLetters(0, 500)).toHaveLength(0);
    expect(importer.lines.some((l) => /imported c-empty.csv: 0 records, 0 rejected/.test(l))).toBe(true);
  });
});
