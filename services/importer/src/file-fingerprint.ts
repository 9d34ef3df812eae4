import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const LF = 0x0a;

/** SHA-256 (hex) of no bytes. */
export const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** What one pass over the beginning (or all) of a file found. */
export interface FileScan {
  /** Bytes read. */
  size: number;
  /** SHA-256 (hex) of the bytes read. */
  sha256: string;
  /** The SHA-256 state at the mark (a copy, to continue from), when the mark was reached. */
  atMark: Hash | undefined;
  /** Just past the last LF read: the end of the complete lines (0 when there is none). */
  completeBytes: number;
  /** SHA-256 (hex) of [0, completeBytes). */
  completeSha256: string;
}

/**
 * SHA-256 of a file's bytes pushed in chunks of any size, with the state kept at one
 * given offset (the mark) and at the end of the last complete line, via `hash.copy()`:
 * one pass gives the digest of the imported prefix, the state to continue from, and the
 * digest of the complete lines. Pure: no I/O.
 */
export class PrefixHasher {
  private readonly hash = createHash('sha256');
  private size = 0;
  private atMark: Hash | undefined;
  private completeBytes = 0;
  private complete: Hash | undefined;

  constructor(private readonly mark?: number) {
    if (mark === 0) this.atMark = this.hash.copy();
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.mark !== undefined && this.atMark === undefined && this.size + buf.length >= this.mark) {
      const cut = this.mark - this.size;
      this.update(buf.subarray(0, cut));
      this.atMark = this.hash.copy();
      buf = buf.subarray(cut);
    }
    this.update(buf);
  }

  private update(buf: Buffer): void {
    if (buf.length === 0) return;
    const lf = buf.lastIndexOf(LF);
    if (lf === -1) {
      this.hash.update(buf);
    } else {
      this.hash.update(buf.subarray(0, lf + 1));
      this.complete = this.hash.copy();
      this.completeBytes = this.size + lf + 1;
      this.hash.update(buf.subarray(lf + 1));
    }
    this.size += buf.length;
  }

  result(): FileScan {
    const sha256 = this.hash.copy().digest('hex');
    return {
      size: this.size,
      sha256,
      atMark: this.atMark,
      completeBytes: this.completeBytes,
      completeSha256: this.complete ? this.complete.copy().digest('hex') : EMPTY_SHA256,
    };
  }
}

/**
 * Reads a file from its start, streamed, up to `end` (exclusive; the whole file when
 * omitted) and hashes it (see PrefixHasher). A file shorter than `end` gives what it has.
 */
export async function scanFile(path: string, opts: { end?: number; mark?: number } = {}): Promise<FileScan> {
  const hasher = new PrefixHasher(opts.mark);
  if (opts.end === undefined || opts.end > 0) {
    // createReadStream's end is inclusive.
    const stream = createReadStream(path, { highWaterMark: 1024 * 1024, ...(opts.end === undefined ? {} : { end: opts.end - 1 }) });
    for await (const chunk of stream as AsyncIterable<Buffer>) hasher.push(chunk);
  }
  return hasher.result();
}
