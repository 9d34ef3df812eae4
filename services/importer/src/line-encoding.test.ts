import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, type RawLine } from './line-reader';
import { encodeLines, packLines, unpackLines, type LineDeadLetter } from './line-encoding';

const ctx = { file: 'f.csv', nowMs: Date.parse('2024-06-01T12:00:00Z'), rejectedAt: '2024-06-01T12:00:00.000Z', futureToleranceMs: 3_600_000, maxLineBytes: 96 };
const good = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')};2020-01-02T00:00+01:00[Europe/Warsaw];48600000001;${1000 + n}`;
const split = (bytes: Buffer, maxLineBytes = 64): RawLine[] => [...new LineSplitter({ maxLineBytes }).push(bytes)];

describe('packLines / unpackLines', () => {
  it('property: lines come back as they were (bytes, places, too-long lines with their digest)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 90 }).map((b) => Buffer.from(b.map((x) => (x === 0x0a ? 0x20 : x)))), { maxLength: 20 }), (lines) => {
        const raws = split(Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])), 40);
        const packed = packLines(raws);
        // What crosses to a worker: a structured clone (the buffers would be transferred).
        const back = unpackLines(structuredClone(packed));
        expect(back.map((l) => ({ ...l, bytes: Buffer.from(l.bytes).toString('hex') }))).toEqual(raws.map((l) => ({ ...l, bytes: Buffer.from(l.bytes).toString('hex') })));
      }),
    );
  });

  it('packs into fresh buffers, not the chunk the lines are views of', () => {
    const chunk = Buffer.from(`${good(1)}\n${good(2)}\n`);
    const packed = packLines(split(chunk, 4096));
    expect(packed.bytes.buffer).not.toBe(chunk.buffer);
    expect(packed.bytes.byteLength).toBe(chunk.length - 2);
  });
});

describe('encodeLines', () => {
  it('a record per valid line and a dead letter per bad one, in line order, the rejections indexing their dead letters', () => {
    const bytes = Buffer.concat([Buffer.from(`${good(1)}\nx;y\n${'z'.repeat(200)}\n`), Buffer.from([0xff, 0x0a]), Buffer.from(`${good(5)}\r\n`)]);
    const out = encodeLines(split(bytes, 96), ctx);
    expect(out.records).toBe(2);
    expect(out.keys).toEqual(['48600000001', null, null, null, '48600000001']);
    expect(out.rejections.map((r) => [r.index, r.line, r.reason])).toEqual([
      [1, 2, 'field-count'],
      [2, 3, 'line-too-long'],
      [3, 4, 'invalid-utf8'],
    ]);
    const tooLong = JSON.parse(out.values[2]!) as LineDeadLetter;
    expect(tooLong).toMatchObject({ source: { file: 'f.csv', line: 3, offset: good(1).length + 5 }, rawBytes: 200, rawSha256: createHash('sha256').update('z'.repeat(200)).digest('hex'), truncated: true, rejectedAt: ctx.rejectedAt });
    expect(JSON.parse(out.values[4]!)).toMatchObject({ source: { file: 'f.csv', line: 5 } });
    expect(out.timestamps[0]).toBe(Date.parse('2020-01-02T00:00+01:00'));
  });

  it('a line stamped beyond now + tolerance is rejected as recorded-at-in-future', () => {
    const out = encodeLines(split(Buffer.from(`${good(1).replace('2020-01-02', '2099-01-02')}\n`), 4096), ctx);
    expect(out.rejections.map((r) => r.reason)).toEqual(['recorded-at-in-future']);
  });
});
