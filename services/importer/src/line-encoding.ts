// What a batch of complete lines becomes on Kafka: record values and dead letters, in line
// order. Pure (no I/O, time is a parameter), so the same code runs on the main thread and
// in the encoder workers (line-encoder-worker.ts); packLines/unpackLines carry a batch
// across the thread boundary in two transferable buffers.
import { TextDecoder } from 'node:util';
import {
  deadLetterCodec,
  DEFAULT_MAX_RAW_BYTES,
  boundRaw,
  checkNotInFuture,
  importedRecordCodec,
  parseDataRecordLine,
  stringifyExact,
  toImportedRecord,
  type DataRecordLineError,
} from '@mobilecs/domain';
import type { RawLine } from './line-reader';

/** Why a line went to the dead-letter topic: 'line-too-long', 'invalid-utf8', 'recorded-at-in-future' or a DataRecordLineError reason. */
export type RejectionReason = 'line-too-long' | 'invalid-utf8' | 'recorded-at-in-future' | DataRecordLineError['reason'];

/** A line that could not be imported, on the dead-letter topic (key: the file name). */
export interface LineDeadLetter {
  source: { file: string; line: number; offset: number };
  reason: RejectionReason;
  message: string;
  /** The line as text (invalid UTF-8 bytes shown as U+FFFD), at most DEFAULT_MAX_RAW_BYTES bytes of it. */
  raw: string;
  /** Length of the whole line in bytes. */
  rawBytes: number;
  /** SHA-256 (hex) of the whole line. */
  rawSha256: string;
  /** `raw` is only the beginning of the line. */
  truncated: boolean;
  /** The exact bytes (at most DEFAULT_MAX_RAW_BYTES of them), when they are not valid UTF-8. */
  rawBase64?: string;
  rejectedAt: string;
}

/** What encoding a batch needs besides its lines (all of it plain data: it crosses to a worker). */
export interface LineEncodingContext {
  file: string;
  /** The wall clock when the batch was taken (epoch ms): the future-tolerance check. */
  nowMs: number;
  /** The time written into the batch's dead letters (ISO). */
  rejectedAt: string;
  futureToleranceMs: number;
  maxLineBytes: number;
}

/** A rejected line, for the log and the metrics (its dead letter is among the values). */
export interface LineRejection {
  /** Index of its dead letter among the batch's messages. */
  index: number;
  line: number;
  offset: number;
  reason: RejectionReason;
  message: string;
}

/** A batch's lines as message values, in line order (records and dead letters interleaved). */
export interface EncodedLines {
  values: string[];
  /** The record's key (msisdn); null for a dead letter (keyed by the file name). */
  keys: (string | null)[];
  /** The record's recordedAt (epoch ms); 0 for a dead letter. */
  timestamps: number[];
  records: number;
  rejections: LineRejection[];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const MAX_MESSAGE_BYTES = 4096;

/** Encodes complete lines: a record for each valid line, a dead letter for each other one. */
export function encodeLines(lines: readonly RawLine[], ctx: LineEncodingContext): EncodedLines {
  const out: EncodedLines = { values: [], keys: [], timestamps: [], records: 0, rejections: [] };
  const reject = (raw: RawLine, reason: RejectionReason, message: string, invalidUtf8 = false) => {
    const bounded = boundRaw(raw.bytes, DEFAULT_MAX_RAW_BYTES);
    const letter: LineDeadLetter = {
      source: { file: ctx.file, line: raw.line, offset: raw.offset },
      reason,
      message: boundRaw(`${ctx.file}:${raw.line}: ${message}`, MAX_MESSAGE_BYTES).raw,
      raw: bounded.raw,
      rawBytes: raw.tooLong ? raw.length : bounded.rawBytes,
      rawSha256: raw.sha256 ?? bounded.rawSha256,
      truncated: raw.tooLong || bounded.truncated,
      ...(invalidUtf8 ? { rawBase64: raw.bytes.subarray(0, DEFAULT_MAX_RAW_BYTES).toString('base64') } : {}),
      rejectedAt: ctx.rejectedAt,
    };
    out.rejections.push({ index: out.values.length, line: raw.line, offset: raw.offset, reason, message: letter.message });
    out.values.push(deadLetterCodec.encode(letter));
    out.keys.push(null);
    out.timestamps.push(0);
  };
  for (const raw of lines) {
    if (raw.tooLong) {
      reject(raw, 'line-too-long', `line is ${raw.length} bytes, longer than ${ctx.maxLineBytes}`);
      continue;
    }
    let text: string;
    try {
      text = strictUtf8.decode(raw.bytes);
    } catch {
      reject(raw, 'invalid-utf8', 'line is not valid UTF-8', true);
      continue;
    }
    const parsed = parseDataRecordLine(text);
    if (!parsed.ok) {
      reject(raw, parsed.error.reason, parsed.error.message);
      continue;
    }
    const future = checkNotInFuture(parsed.value.recordedAt, ctx.nowMs, ctx.futureToleranceMs);
    if (future) {
      reject(raw, future.reason, future.message);
      continue;
    }
    const record = toImportedRecord(parsed.value, { file: ctx.file, line: raw.line });
    // toJson, not encode: every field was just validated by the line parser, so the codec's
    // second zod pass over its own output would only cost time.
    out.values.push(stringifyExact(importedRecordCodec.toJson(record)));
    out.keys.push(record.msisdn);
    out.timestamps.push(record.recordedAt);
    out.records++;
  }
  return out;
}

/** Lines packed for another thread: their bytes one after another, and what each is. */
export interface PackedLines {
  bytes: Uint8Array;
  /** FIELDS numbers per line: line, offset, nextOffset, bytes kept, whole length, tooLong (0/1). */
  meta: Float64Array;
  /** SHA-256 of the whole line, for each line that is too long (by index in the batch). */
  sha256: Record<number, string>;
}

const FIELDS = 6;

/** Copies lines into two fresh buffers (views of a read chunk cannot be transferred). */
export function packLines(lines: readonly RawLine[]): PackedLines {
  let total = 0;
  for (const l of lines) total += l.bytes.length;
  const bytes = new Uint8Array(total);
  const meta = new Float64Array(lines.length * FIELDS);
  const sha256: Record<number, string> = {};
  let at = 0;
  lines.forEach((l, i) => {
    bytes.set(l.bytes, at);
    at += l.bytes.length;
    const m = i * FIELDS;
    meta[m] = l.line;
    meta[m + 1] = l.offset;
    meta[m + 2] = l.nextOffset;
    meta[m + 3] = l.bytes.length;
    meta[m + 4] = l.length;
    meta[m + 5] = l.tooLong ? 1 : 0;
    if (l.sha256 !== undefined) sha256[i] = l.sha256;
  });
  return { bytes, meta, sha256 };
}

/** The lines again, their bytes views of `packed.bytes`. */
export function unpackLines(packed: PackedLines): RawLine[] {
  const all = Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset, packed.bytes.byteLength);
  const lines: RawLine[] = [];
  let at = 0;
  for (let i = 0; i * FIELDS < packed.meta.length; i++) {
    const m = i * FIELDS;
    const meta = packed.meta;
    const kept = meta[m + 3]!;
    const line: RawLine = { line: meta[m]!, offset: meta[m + 1]!, nextOffset: meta[m + 2]!, bytes: all.subarray(at, at + kept), tooLong: meta[m + 5] === 1, length: meta[m + 4]! };
    const sha = packed.sha256[i];
    if (sha !== undefined) line.sha256 = sha;
    lines.push(line);
    at += kept;
  }
  return lines;
}

/** A batch sent to an encoder worker. */
export interface EncodeTask {
  id: number;
  packed: PackedLines;
  ctx: LineEncodingContext;
}

/** An encoder worker's answer: the encoded batch, or why encoding threw. */
export type EncodeReply = { id: number; encoded: EncodedLines } | { id: number; error: { name: string; message: string; stack?: string } };

/** What an encoder worker does with a task; a throw becomes an error reply (the worker lives on). */
export function answerTask(task: EncodeTask): EncodeReply {
  try {
    return { id: task.id, encoded: encodeLines(unpackLines(task.packed), task.ctx) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { id: task.id, error: { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) } };
  }
}
