import { createReadStream } from 'node:fs';

/** One line of a file as bytes, with where it is. */
export interface RawLine {
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Byte offset just past the line's terminator: where the next line starts. */
  nextOffset: number;
  /** The line without its terminator (LF or CRLF); at most maxLineBytes bytes. */
  bytes: Buffer;
  /** The line was longer than maxLineBytes; `bytes` holds only its beginning. */
  tooLong: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Streams a file's lines from a byte offset, holding only the chunks the current line
 * spans (at most maxLineBytes of it are kept), so files of any size can be read. A UTF-8
 * BOM at the start of the file is skipped; a last line without a final newline is still a line.
 */
export async function* readLines(
  path: string,
  opts: { startOffset?: number; startLine?: number; maxLineBytes: number; chunkBytes?: number },
): AsyncGenerator<RawLine> {
  let offset = opts.startOffset ?? 0;
  let line = (opts.startLine ?? 0) + 1;
  let lineStart = offset;
  let parts: Buffer[] = [];
  let kept = 0;
  let tooLong = false;
  let atFileStart = offset === 0;

  const take = (b: Buffer) => {
    const room = opts.maxLineBytes + 1 - kept; // +1: room for a CR that may be stripped
    if (room <= 0) {
      if (b.length > 0) tooLong = true;
      return;
    }
    const piece = b.length > room ? b.subarray(0, room) : b;
    if (b.length > room) tooLong = true;
    // A view, not a copy: every chunk the stream reads is a new buffer, never reused.
    parts.push(piece);
    kept += piece.length;
  };

  const finish = (nextOffset: number): RawLine => {
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR && !tooLong) bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > opts.maxLineBytes) {
      tooLong = true;
      bytes = bytes.subarray(0, opts.maxLineBytes);
    }
    const out: RawLine = { line, offset: lineStart, nextOffset, bytes, tooLong };
    line++;
    lineStart = nextOffset;
    parts = [];
    kept = 0;
    tooLong = false;
    return out;
  };

  const stream = createReadStream(path, { start: offset, highWaterMark: opts.chunkBytes ?? 256 * 1024 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let buf = chunk;
    if (atFileStart) {
      atFileStart = false;
      if (buf.subarray(0, 3).equals(BOM)) {
        buf = buf.subarray(3);
        offset += 3;
        lineStart = offset;
      }
    }
    let from = 0;
    for (;;) {
      const at = buf.indexOf(LF, from);
      if (at === -1) break;
      take(buf.subarray(from, at));
      yield finish(offset + at + 1);
      from = at + 1;
    }
    take(buf.subarray(from));
    offset += buf.length;
  }
  if (kept > 0 || tooLong) yield finish(offset);
}
