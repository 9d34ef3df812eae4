import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, readLines, type RawLine } from './line-reader';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Pushes `bytes` cut at `cuts`, collecting lines and the prefix digest seen at each line. */
function split(bytes: Buffer, cuts: number[], opts: { maxLineBytes?: number; startOffset?: number; startLine?: number } = {}) {
  const start = opts.startOffset ?? 0;
  const splitter = new LineSplitter({
    maxLineBytes: opts.maxLineBytes ?? 1024,
    startOffset: start,
    startLine: opts.startLine ?? 0,
    hash: createHash('sha256').update(bytes.subarray(0, start)),
  });
  const lines: (RawLine & { prefix: string })[] = [];
  const points = [...new Set(cuts.map((c) => start + (c % (bytes.length - start + 1))))].sort((a, b) => a - b);
  let from = start;
  for (const to of [...points, bytes.length]) {
    for (const l of splitter.push(bytes.subarray(from, to))) lines.push({ ...l, prefix: splitter.prefixSha256() });
    from = to;
  }
  return { lines, splitter };
}

/** The complete lines of a file as the contract defines them: LF-terminated, CR and a leading BOM stripped. */
function expectedLines(bytes: Buffer): { text: string; offset: number; nextOffset: number }[] {
  const out: { text: string; offset: number; nextOffset: number }[] = [];
  let pos = bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? 3 : 0;
  for (;;) {
    const at = bytes.indexOf(0x0a, pos);
    if (at === -1) return out;
    let text = bytes.subarray(pos, at);
    if (text.at(-1) === 0x0d) text = text.subarray(0, -1);
    out.push({ text: text.toString('latin1'), offset: pos, nextOffset: at + 1 });
    pos = at + 1;
  }
}

const fileBytes = fc
  .tuple(
    fc.boolean(),
    fc.array(fc.constantFrom('a', 'b', ';', '\n', '\r', '\r\n', 'xyz\n', '\n\n'), { maxLength: 80 }),
  )
  .map(([bom, parts]) => Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(parts.join(''), 'latin1')]));

describe('LineSplitter', () => {
  it('yields exactly the LF-terminated lines whatever the chunks, with the SHA-256 of everything up to each line end', () => {
    fc.assert(
      fc.property(fileBytes, fc.array(fc.nat(), { maxLength: 20 }), (bytes, cuts) => {
        const { lines, splitter } = split(bytes, cuts);
        const expected = expectedLines(bytes);
        expect(lines.map((l) => ({ text: l.bytes.toString('latin1'), offset: l.offset, nextOffset: l.nextOffset }))).toEqual(expected);
        expect(lines.map((l) => l.line)).toEqual(expected.map((_, i) => i + 1));
        for (const l of lines) expect(l.prefix).toBe(sha(bytes.subarray(0, l.nextOffset)));
        // After the last chunk: the digest is still that of the complete lines, the rest is the tail.
        const end = expected.at(-1)?.nextOffset ?? 0;
        expect(splitter.prefixSha256()).toBe(sha(bytes.subarray(0, end)));
        const tailBytes = bytes.length - Math.max(end, expected.length === 0 && bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? 3 : 0);
        expect(splitter.tail()).toEqual(tailBytes > 0 ? { offset: bytes.length - tailBytes, bytes: tailBytes } : undefined);
      }),
    );
  });

  it('continued from any line end with the hash state there, gives the rest of the lines and the same digests', () => {
    fc.assert(
      fc.property(fileBytes, fc.nat(), fc.array(fc.nat(), { maxLength: 10 }), (bytes, pick, cuts) => {
        const all = expectedLines(bytes);
        if (all.length === 0) return;
        const k = pick % all.length;
        const startOffset = all[k]!.nextOffset;
        const { lines, splitter } = split(bytes, cuts, { startOffset, startLine: k + 1 });
        expect(lines.map((l) => [l.line, l.offset, l.bytes.toString('latin1')])).toEqual(all.slice(k + 1).map((l, i) => [k + 2 + i, l.offset, l.text]));
        expect(splitter.prefixSha256()).toBe(sha(bytes.subarray(0, all.at(-1)!.nextOffset)));
      }),
    );
  });

  it('does not yield an unterminated last line: it is the tail, waiting for its newline', () => {
    const s = new LineSplitter({ maxLineBytes: 100 });
    expect([...s.push(Buffer.from('a;b\nc;d'))].map((l) => l.bytes.toString())).toEqual(['a;b']);
    expect(s.tail()).toEqual({ offset: 4, bytes: 3 });
    expect(s.prefixSha256()).toBe(sha(Buffer.from('a;b\n')));
    expect([...s.push(Buffer.from('e\n'))].map((l) => [l.line, l.offset, l.bytes.toString()])).toEqual([[2, 4, 'c;de']]);
    expect(s.tail()).toBeUndefined();
    expect(s.prefixSha256()).toBe(sha(Buffer.from('a;b\nc;de\n')));
  });

  it('recognises a BOM split over chunks, and a lone partial BOM is a tail', () => {
    const s = new LineSplitter({ maxLineBytes: 100 });
    expect([...s.push(Buffer.from([0xef]))]).toEqual([]);
    expect(s.tail()).toEqual({ offset: 0, bytes: 1 });
    expect([...s.push(Buffer.from([0xbb]))]).toEqual([]);
    const lines = [...s.push(Buffer.from([0xbf, 0x61, 0x0a]))];
    expect(lines.map((l) => [l.offset, l.bytes.toString(), l.nextOffset])).toEqual([[3, 'a', 5]]);
  });

  it('cuts a line longer than maxLineBytes, tells its whole length and SHA-256', () => {
    const long = 'x'.repeat(300);
    const bytes = Buffer.from(`ok\n${long}\r\nnext\n`);
    const { lines } = split(bytes, [5, 17, 100, 250], { maxLineBytes: 100 });
    expect(lines.map((l) => [l.tooLong, l.bytes.length])).toEqual([
      [false, 2],
      [true, 100],
      [false, 4],
    ]);
    expect(lines[1]?.length).toBe(301);
    expect(lines[1]?.sha256).toBe(sha(Buffer.from(`${long}\r`)));
    // Exactly maxLineBytes + a CR is not too long.
    const exact = split(Buffer.from(`${'y'.repeat(100)}\r\n`), [], { maxLineBytes: 100 }).lines[0];
    expect([exact?.tooLong, exact?.bytes.length]).toEqual([false, 100]);
    const over = split(Buffer.from(`${'y'.repeat(101)}\n`), [], { maxLineBytes: 100 }).lines[0];
    expect([over?.tooLong, over?.length, over?.sha256]).toEqual([true, 101, sha(Buffer.from('y'.repeat(101)))]);
  });

  it('readLines streams a file from an offset in small chunks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'line-reader-'));
    const path = join(dir, 'f.csv');
    writeFileSync(path, 'one\ntwo\nthree\nfour');
    const splitter = new LineSplitter({ maxLineBytes: 64, startOffset: 4, startLine: 1, hash: createHash('sha256').update('one\n') });
    const got: string[] = [];
    for await (const l of readLines(path, splitter, { startOffset: 4, chunkBytes: 3 })) got.push(`${l.line}:${l.bytes.toString()}`);
    expect(got).toEqual(['2:two', '3:three']);
    expect(splitter.tail()).toEqual({ offset: 14, bytes: 4 });
    expect(splitter.prefixSha256()).toBe(sha(Buffer.from('one\ntwo\nthree\n')));
  });
});
