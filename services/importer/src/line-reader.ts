import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** One complete (LF-terminated) line of a file as bytes, with where it is. */
export interface RawLine {
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Byte offset just past the line's LF: where the next line starts. */
  nextOffset: number;
  /** The line without its terminator (LF or CRLF); at most maxLineBytes bytes. */
  bytes: Buffer;
  /** The line was longer than maxLineBytes; `bytes` holds only its beginning. */
  tooLong: boolean;
  /** Length in bytes of the whole line before its LF (a CR of a CRLF included when tooLong). */
  length: number;
  /** SHA-256 (hex) of those `length` bytes; only for a line that is tooLong. */
  sha256?: string;
}

/** Bytes at the end of what was read that no LF terminates (yet). */
export interface UnterminatedTail {
  /** Byte offset of its first byte: the offset to resume from once its newline arrives. */
  offset: number;
  /** Its length so far. */
  bytes: number;
}

export interface LineSplitterOptions {
  /** Byte offset of the first byte that will be pushed (just past a newline, or 0). */
  startOffset?: number;
  /** Lines before startOffset: the first line yielded is startLine + 1. */
  startLine?: number;
  maxLineBytes: number;
  /**
   * SHA-256 state of the file's bytes [0, startOffset): the splitter continues it with
   * every byte pushed, so that `prefixSha256()` is the digest of everything up to the
   * end of the last line yielded. A fresh hash when omitted (only right for startOffset 0).
   */
  hash?: Hash;
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Splits a file's bytes, pushed in chunks of any size, into complete lines. Only lines
 * terminated by LF are yielded: bytes after the last LF are the unterminated tail, which
 * waits for its newline (a later read resumes at its offset). Holds only what the
 * current line spans, at most maxLineBytes of it. A UTF-8 BOM at offset 0 is skipped.
 *
 * Pure: no I/O. `readLines` feeds it from a file.
 */
export class LineSplitter {
  private offset: number;
  private line: number;
  private lineStart: number;
  private parts: Buffer[] = [];
  private kept = 0;
  private tooLong = false;
  private lineLength = 0;
  private lineHash: Hash | undefined;
  /** Bytes at offset 0 held until it is known whether they are a BOM. */
  private bomProbe: Buffer | undefined;
  private readonly hash: Hash;
  /** The hash state at the end of the last line, taken before bytes past it were hashed. */
  private atLineEnd: Hash | undefined;

  constructor(private readonly opts: LineSplitterOptions) {
    this.offset = opts.startOffset ?? 0;
    this.line = (opts.startLine ?? 0) + 1;
    this.lineStart = this.offset;
    this.hash = opts.hash ?? createHash('sha256');
    if (this.offset === 0) this.bomProbe = Buffer.alloc(0);
  }

  /** Yields the lines the chunk completes. */
  *push(chunk: Buffer): Generator<RawLine> {
    let buf = chunk;
    if (this.bomProbe !== undefined) {
      const probe = Buffer.concat([this.bomProbe, buf]);
      if (probe.length < BOM.length && BOM.subarray(0, probe.length).equals(probe)) {
        this.bomProbe = probe; // still undecided: too few bytes yet
        return;
      }
      this.bomProbe = undefined;
      buf = probe;
      if (buf.subarray(0, BOM.length).equals(BOM)) {
        this.advanceHash(BOM);
        buf = buf.subarray(BOM.length);
        this.offset += BOM.length;
        this.lineStart = this.offset;
      }
    }
    let from = 0;
    for (;;) {
      const at = buf.indexOf(LF, from);
      if (at === -1) break;
      this.take(buf.subarray(from, at));
      // The hash reaches exactly the end of this line while the line is being handled.
      this.hash.update(buf.subarray(from, at + 1));
      this.atLineEnd = undefined;
      yield this.finish(this.offset + at + 1);
      from = at + 1;
    }
    if (from < buf.length) {
      const rest = buf.subarray(from);
      this.take(rest);
      this.advanceHash(rest);
    }
    this.offset += buf.length;
  }

  /** Hashes bytes beyond the end of the last line, keeping the state at that end. */
  private advanceHash(bytes: Buffer): void {
    this.atLineEnd ??= this.hash.copy();
    this.hash.update(bytes);
  }

  /** SHA-256 (hex) of the file's bytes [0, end of the last line yielded) — or [0, startOffset) before any. */
  prefixSha256(): string {
    return (this.atLineEnd ?? this.hash).copy().digest('hex');
  }

  /** The hash state at the end of the last line yielded (a copy). */
  prefixHash(): Hash {
    return (this.atLineEnd ?? this.hash).copy();
  }

  /** What follows the last line: bytes without a newline yet, if any. */
  tail(): UnterminatedTail | undefined {
    const bytes = this.bomProbe?.length ?? this.lineLength;
    return bytes > 0 ? { offset: this.lineStart, bytes } : undefined;
  }

  private take(b: Buffer): void {
    if (b.length === 0) return;
    this.lineLength += b.length;
    if (this.lineHash) this.lineHash.update(b);
    const room = this.opts.maxLineBytes + 1 - this.kept; // +1: room for a CR that may be stripped
    if (b.length <= room) {
      // A view, not a copy: every chunk the stream reads is a new buffer, never reused.
      this.parts.push(b);
      this.kept += b.length;
      return;
    }
    if (!this.lineHash) {
      // From here on the line is too long: keep its beginning, hash all of it.
      this.lineHash = createHash('sha256');
      for (const p of this.parts) this.lineHash.update(p);
      this.lineHash.update(b);
    }
    this.tooLong = true;
    if (room > 0) {
      this.parts.push(b.subarray(0, room));
      this.kept += room;
    }
  }

  private finish(nextOffset: number): RawLine {
    let bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    let tooLong = this.tooLong;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR && !tooLong) bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > this.opts.maxLineBytes) {
      tooLong = true;
      bytes = bytes.subarray(0, this.opts.maxLineBytes);
    }
    const out: RawLine = { line: this.line, offset: this.lineStart, nextOffset, bytes, tooLong, length: tooLong ? this.lineLength : bytes.length };
    if (tooLong) out.sha256 = (this.lineHash ?? createHash('sha256').update(Buffer.concat(this.parts))).digest('hex');
    this.line++;
    this.lineStart = nextOffset;
    this.parts = [];
    this.kept = 0;
    this.tooLong = false;
    this.lineLength = 0;
    this.lineHash = undefined;
    return out;
  }
}

/**
 * Streams a file's complete lines from a byte offset through a LineSplitter, so files of
 * any size can be read. An unterminated last line is not yielded: `splitter.tail()`
 * tells what waits for its newline.
 */
export async function* readLines(path: string, splitter: LineSplitter, opts: { startOffset: number; chunkBytes?: number }): AsyncGenerator<RawLine> {
  const stream = createReadStream(path, { start: opts.startOffset, highWaterMark: opts.chunkBytes ?? 256 * 1024 });
  for await (const chunk of stream as AsyncIterable<Buffer>) yield* splitter.push(chunk);
}
