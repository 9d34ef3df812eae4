import { createHash, type Hash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { getSystemErrorMessage } from 'node:util';
import { deadLetterCodec } from '@mobilecs/domain';
import { PlatformError, type Logger, type OutgoingMessage } from '@mobilecs/platform';
import { scanFile } from './file-fingerprint';
import { progressKey, type FileProgress, type FileRefusal, type ImportProgressBook, type KnownContent, type KnownFile } from './import-progress';
import type { ImporterMetrics } from './importer-metrics';
import { encodeLines, type EncodedLines, type LineEncodingContext } from './line-encoding';
import { LineSplitter, readLines, type RawLine } from './line-reader';

export type { LineDeadLetter, RejectionReason } from './line-encoding';

/** Parses and encodes a batch of lines: on this thread (encodeLines) or in a worker (LineEncoderPool). */
export type LineEncoder = (lines: RawLine[], ctx: LineEncodingContext) => Promise<EncodedLines>;

export interface FileImporterDeps {
  /** Sends the messages in one Kafka transaction: all of them become visible, or none. */
  publish: (messages: OutgoingMessage[]) => Promise<void>;
  topics: { records: string; deadLetters: string; progress: string };
  book: ImportProgressBook;
  metrics: ImporterMetrics;
  log: Logger;
  transactionLines: number;
  maxLineBytes: number;
  /** A line stamped later than now + this is a dead letter (recorded-at-in-future). */
  futureToleranceMs: number;
  now: () => Date;
  /** Polled between transactions: true when the service is shutting down. */
  stopping: () => boolean;
  /** True the first time a note is given in this process (it is remembered): for things said once. */
  firstTime: (note: string) => boolean;
  /** Where batches are parsed and encoded; on this thread when omitted. */
  encoder?: LineEncoder;
  /**
   * Batches (of transactionLines) read ahead of the one committing: their lines are being
   * encoded or wait for their transaction. Bounds the lines held: (this + 1) × transactionLines. Default 1.
   */
  batchesAhead?: number;
}

export type FileImportOutcome =
  /** New complete lines were imported. `complete`: nothing after the last newline. */
  | { kind: 'imported'; progress: FileProgress; records: number; rejected: number; complete: boolean }
  /** Nothing new to import (at most an unterminated last line, which waits for its newline). */
  | { kind: 'up-to-date'; complete: boolean }
  /** The same content as a file already imported, under another name: not published again. */
  | { kind: 'duplicate'; file: string; original: KnownContent; complete: boolean }
  /** The imported part of the file changed or the file shrank: reported, not imported. */
  | { kind: 'refused'; reason: FileRefusal }
  /** The file could not be read (EACCES, EISDIR, …): reported on dead letters and skipped. */
  | { kind: 'unreadable'; errorCode: string }
  /** The file was gone (renamed away or deleted) before it was read. */
  | { kind: 'gone' }
  | { kind: 'stopped'; progress: FileProgress };

/** A file whose imported part changed, or that shrank, on the dead-letter topic (key: the file name). */
export interface FileDeadLetter {
  source: { file: string };
  reason: FileRefusal;
  message: string;
  /** Bytes and lines of the file imported before. */
  importedBytes: number;
  importedLines: number;
  /** The file's size when it was looked at. */
  size: number;
  /** SHA-256 of what was imported, and of what the file holds there now (file-changed). */
  importedSha256: string;
  foundSha256?: string;
  rejectedAt: string;
}

/** A file the importer cannot read, on the dead-letter topic (key: the file name). */
export interface UnreadableFileDeadLetter {
  source: { file: string };
  reason: 'file-unreadable';
  message: string;
  /** The system error code: EACCES, EPERM, EISDIR, … */
  errorCode: string;
  rejectedAt: string;
}

/**
 * System error codes that say the file itself cannot be read, whatever Kafka does: a
 * retry cannot help until someone changes the file, so it is reported and skipped (and
 * tried again on its next change). Other errors (EMFILE, ENOMEM, Kafka's) are retried.
 */
const UNREADABLE_FILE_CODES = new Set(['EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'ENXIO', 'ENODEV', 'EIO', 'EINVAL', 'EOPNOTSUPP']);

/** A file the importer cannot read: not retriable (a retry reads the same file the same way). */
export class UnreadableFileError extends PlatformError {
  readonly code = 'FILE_UNREADABLE';
  readonly retriable = false;
  constructor(
    readonly file: string,
    /** The system error code (EACCES, …). */
    readonly errorCode: string,
    override readonly cause: unknown,
  ) {
    super(`${file} cannot be read: ${errorCode} (${systemErrorText(cause, errorCode)})`);
    this.name = 'UnreadableFileError';
  }
}

/** The system error code of a file-system error (one with a syscall), else undefined. */
function fileSystemErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; syscall?: unknown } | null | undefined;
  return typeof e?.code === 'string' && typeof e.syscall === 'string' ? e.code : undefined;
}

function systemErrorText(err: unknown, code: string): string {
  const errno = (err as { errno?: unknown } | null | undefined)?.errno;
  if (typeof errno === 'number') {
    try {
      return getSystemErrorMessage(errno);
    } catch {
      // not a system errno
    }
  }
  return code.toLowerCase();
}

const ADVICE = 'Files may only grow by complete lines appended at their end; give new or corrected data a new file name (best written as tmp… and renamed into place).';

/** Where an import starts: what is known of the file's imported part. */
interface Start {
  offset: number;
  line: number;
  records: number;
  rejected: number;
  /** SHA-256 state of [0, offset). */
  hash: Hash;
  duplicateOf?: string;
  /** The file had been reported and now matches again: the next progress record clears that. */
  clearsReport: boolean;
}

/**
 * Imports what is new in one file: its complete lines after the offset already imported,
 * in transactions of `transactionLines`, each carrying the file's progress record (keyed
 * by name), so after a crash the import resumes exactly after the last committed line.
 * A known file must still begin with exactly what was imported (SHA-256 of that prefix),
 * else it is reported and left alone; a new name whose complete content was imported
 * under another name is reported as a duplicate and not published again.
 */
export async function importFile(path: string, deps: FileImporterDeps): Promise<FileImportOutcome> {
  try {
    return await importReadable(path, deps);
  } catch (err) {
    const code = fileSystemErrorCode(err);
    const file = basename(path);
    if (code === 'ENOENT') {
      deps.log.warn({ file }, `${file} disappeared before it was imported`);
      return { kind: 'gone' };
    }
    if (code !== undefined && UNREADABLE_FILE_CODES.has(code)) return reportUnreadable(new UnreadableFileError(file, code, err), deps);
    throw err;
  }
}

/**
 * Reports a file that cannot be read: a dead letter (reason file-unreadable, with the
 * error code), a warning and importer_files_refused_total{reason="file-unreadable"}. Every
 * attempt is reported: one happens at start-up and on each change of the file, so a file
 * made readable (chmod, or written again under its name) is imported then.
 */
async function reportUnreadable(err: UnreadableFileError, deps: FileImporterDeps): Promise<FileImportOutcome> {
  const message = `${err.message}: it is skipped and the other files are imported. It is read again when it changes (or at the next start): make it a readable regular file, e.g. write it again under its name.`;
  const letter: UnreadableFileDeadLetter = {
    source: { file: err.file },
    reason: 'file-unreadable',
    message,
    errorCode: err.errorCode,
    rejectedAt: deps.now().toISOString(),
  };
  await deps.publish([{ topic: deps.topics.deadLetters, key: err.file, value: deadLetterCodec.encode(letter) }]);
  deps.metrics.filesRefused.inc({ reason: 'file-unreadable' });
  deps.log.warn({ file: err.file, reason: 'file-unreadable', errorCode: err.errorCode }, message);
  return { kind: 'unreadable', errorCode: err.errorCode };
}

async function importReadable(path: string, deps: FileImporterDeps): Promise<FileImportOutcome> {
  const file = basename(path);
  const known = deps.book.get(file);
  let start: Start;
  if (known) {
    const checked = await checkKnown(path, file, known, deps);
    if ('kind' in checked) return checked;
    start = checked;
  } else {
    const scan = await scanFile(path);
    const original = scan.completeBytes > 0 ? deps.book.findContent(scan.completeSha256) : undefined;
    if (original && original.offset === scan.completeBytes) {
      const progress: FileProgress = {
        v: 2,
        file,
        offset: scan.completeBytes,
        line: original.line,
        prefixSha256: scan.completeSha256,
        records: 0,
        rejected: 0,
        updatedAt: deps.now().toISOString(),
        duplicateOf: original.file,
      };
      await deps.publish([progressMessage(deps.topics.progress, progress)]);
      deps.book.set(progress);
      deps.metrics.duplicateFiles.inc();
      deps.log.warn({ file, sha256: scan.completeSha256, original: original.file }, `file ${file} has the same content as ${original.file}, which was already imported: skipped`);
      return { kind: 'duplicate', file, original, complete: scan.size === scan.completeBytes };
    }
    start = { offset: 0, line: 0, records: 0, rejected: 0, hash: createHash('sha256'), clearsReport: false };
  }
  return importFrom(path, file, start, known !== undefined, deps);
}

/** Checks that a known file still begins with what was imported; what to continue from, or the refusal. */
async function checkKnown(path: string, file: string, known: KnownFile, deps: FileImporterDeps): Promise<Start | FileImportOutcome> {
  const { size } = await stat(path);
  if (size < known.offset) return refuse(file, known, 'file-truncated', 'truncated', size, undefined, deps);
  // An import the previous version had not finished: only the digest of the whole file is known.
  const end = known.v === 1 ? known.size : known.offset;
  const expected = known.v === 1 ? known.sha256 : known.prefixSha256;
  const scan = await scanFile(path, { end, mark: known.offset });
  if (scan.size < known.offset) return refuse(file, known, 'file-truncated', 'truncated', scan.size, undefined, deps);
  if (scan.size < end || scan.sha256 !== expected || !scan.atMark) {
    return refuse(file, known, 'file-changed', `${scan.size}:${scan.sha256}`, size, scan.sha256, deps);
  }
  const reported = known.v === 2 ? known.reported : undefined;
  if (reported) deps.log.info({ file }, `${file} begins again with what was imported from it: it is imported further`);
  return {
    offset: known.offset,
    line: known.line,
    records: known.records,
    rejected: known.rejected,
    hash: scan.atMark,
    ...(known.v === 2 && known.duplicateOf ? { duplicateOf: known.duplicateOf } : {}),
    clearsReport: reported !== undefined,
  };
}

/**
 * Reports, once per state, that a known file no longer begins with what was imported
 * from it: a dead letter, a warning and a metric. The report is recorded in the file's
 * progress record in the same transaction, so a restart does not repeat it.
 */
async function refuse(
  file: string,
  known: KnownFile,
  reason: FileRefusal,
  state: string,
  size: number,
  foundSha256: string | undefined,
  deps: FileImporterDeps,
): Promise<FileImportOutcome> {
  const alreadyReported =
    known.v === 2 ? known.reported?.reason === reason && known.reported.state === state : !deps.firstTime(`refused ${file} ${reason} ${state}`);
  if (alreadyReported) {
    deps.log.debug({ file, reason }, `${file}: still ${reason === 'file-changed' ? 'changed' : 'truncated'}, already reported`);
    return { kind: 'refused', reason };
  }
  const importedSha256 = known.v === 2 ? known.prefixSha256 : known.sha256;
  const what = `${known.offset} bytes (${known.line} lines)`;
  const message =
    reason === 'file-truncated'
      ? `${file} is ${size} bytes, shorter than the ${what} already imported from it: it was truncated or replaced. Nothing more is imported from it. ${ADVICE}`
      : `${file} changed after ${what} of it were imported: ${known.v === 2 ? `its first ${known.offset} bytes` : 'the file'} no longer ${known.v === 2 ? 'are' : 'is'} what was imported (SHA-256 ${foundSha256 ?? '?'} instead of ${importedSha256}). Those lines are not imported again and nothing more is imported from it. ${ADVICE}`;
  const letter: FileDeadLetter = {
    source: { file },
    reason,
    message,
    importedBytes: known.offset,
    importedLines: known.line,
    size,
    importedSha256,
    ...(foundSha256 ? { foundSha256 } : {}),
    rejectedAt: deps.now().toISOString(),
  };
  const messages: OutgoingMessage[] = [{ topic: deps.topics.deadLetters, key: file, value: deadLetterCodec.encode(letter) }];
  let recorded: FileProgress | undefined;
  if (known.v === 2) {
    recorded = { ...known, reported: { reason, state }, updatedAt: letter.rejectedAt };
    messages.push(progressMessage(deps.topics.progress, recorded));
  }
  await deps.publish(messages);
  if (recorded) deps.book.set(recorded);
  deps.metrics.filesRefused.inc({ reason });
  deps.log.warn({ file, reason, importedBytes: known.offset, importedLines: known.line, size }, message);
  return { kind: 'refused', reason };
}

function progressMessage(topic: string, p: FileProgress): OutgoingMessage {
  return { topic, key: progressKey(p.file), value: JSON.stringify(p) };
}

/** A batch of lines read: encoding (maybe in a worker), then committed in its turn. */
interface Batch {
  first: number;
  last: number;
  /** Just past the last line's newline. */
  nextOffset: number;
  /** SHA-256 of the file's bytes [0, nextOffset), taken when the batch was closed. */
  prefixSha256: string;
  encoded: Promise<EncodedLines>;
  /** Settles when the batch is committed (or skipped because the importer stops, or failed). */
  committed: Promise<void>;
}

const encodeHere: LineEncoder = (lines, ctx) => new Promise((resolve) => resolve(encodeLines(lines, ctx)));

/**
 * Reads the file's new complete lines in batches of transactionLines and commits them in
 * order, one transaction each (its messages in line order, then the progress record that
 * matches them). Pipelined: while one batch's transaction runs, up to `batchesAhead` further
 * batches are read (and hashed) and encoded, so reading, encoding (in workers) and Kafka
 * overlap. At most one transaction is open at a time, and importFrom returns or throws only
 * once none is: a retry never overlaps a transaction of the failed attempt.
 */
async function importFrom(path: string, file: string, start: Start, known: boolean, deps: FileImporterDeps): Promise<FileImportOutcome> {
  const splitter = new LineSplitter({ startOffset: start.offset, startLine: start.line, maxLineBytes: deps.maxLineBytes, hash: start.hash });
  const size = (await stat(path)).size;
  const encode = deps.encoder ?? encodeHere;
  const ahead = Math.max(0, deps.batchesAhead ?? 1);
  let committed = { line: start.line, offset: start.offset, records: start.records, rejected: start.rejected };
  let progress: FileProgress | undefined;
  /** Set when the importer stops after a commit: later batches are not committed. */
  let stopAfterCommit = false;
  let skipped = 0;
  let failure: { err: unknown } | undefined;
  const inFlight: Batch[] = [];
  let lastCommit: Promise<void> = Promise.resolve();

  const commit = async (batch: Batch) => {
    if (stopAfterCommit) {
      skipped++;
      return;
    }
    const encoded = await batch.encoded;
    const messages: OutgoingMessage[] = encoded.values.map((value, i) => {
      const key = encoded.keys[i];
      return key === null || key === undefined
        ? { topic: deps.topics.deadLetters, key: file, value }
        : { topic: deps.topics.records, key, value, timestamp: encoded.timestamps[i]! };
    });
    const next: FileProgress = {
      v: 2,
      file,
      offset: batch.nextOffset,
      line: batch.last,
      prefixSha256: batch.prefixSha256,
      records: committed.records + encoded.records,
      rejected: committed.rejected + encoded.rejections.length,
      updatedAt: deps.now().toISOString(),
      ...(start.duplicateOf ? { duplicateOf: start.duplicateOf } : {}),
    };
    messages.push(progressMessage(deps.topics.progress, next));
    const rejections = new Map<string, number>();
    for (const r of encoded.rejections) {
      rejections.set(r.reason, (rejections.get(r.reason) ?? 0) + 1);
      deps.log.warn({ file, line: r.line, offset: r.offset, reason: r.reason }, r.message);
    }
    const end = deps.metrics.transactionSeconds.startTimer();
    await deps.publish(messages);
    end();
    deps.metrics.recordsPublished.inc(encoded.records);
    for (const [reason, n] of rejections) deps.metrics.linesRejected.inc({ reason }, n);
    deps.metrics.currentFileRemainingBytes.set(Math.max(0, size - next.offset));
    deps.book.set(next);
    progress = next;
    committed = { line: next.line, offset: next.offset, records: next.records, rejected: next.rejected };
    if (deps.stopping()) stopAfterCommit = true;
  };

  let lines: RawLine[] = [];
  const dispatch = () => {
    const last = lines.at(-1)!;
    const now = deps.now();
    const encoded = encode(lines, {
      file,
      nowMs: now.getTime(),
      rejectedAt: now.toISOString(),
      futureToleranceMs: deps.futureToleranceMs,
      maxLineBytes: deps.maxLineBytes,
    });
    // Awaited by its commit; a failure before that point is seen there, not as unhandled.
    encoded.catch(() => undefined);
    deps.metrics.linesRead.inc(lines.length);
    const batch = { first: lines[0]!.line, last: last.line, nextOffset: last.nextOffset, prefixSha256: splitter.prefixSha256(), encoded } as Batch;
    // Strictly in order, one transaction at a time; after a failure nothing more is committed.
    batch.committed = lastCommit = lastCommit.then(() => (failure ? undefined : commit(batch))).catch((err: unknown) => {
      failure ??= { err };
    });
    inFlight.push(batch);
    lines = [];
  };

  let first = true;
  let readAll = false;
  try {
    for await (const raw of readLines(path, splitter, { startOffset: start.offset })) {
      if (first) {
        first = false;
        if (start.line > 0) deps.log.info({ file, line: start.line, offset: start.offset }, `continuing ${file} after line ${start.line} (byte ${start.offset})`);
        else deps.log.info({ file, size }, `importing ${file}`);
      }
      lines.push(raw);
      if (lines.length < deps.transactionLines) continue;
      dispatch();
      // Backpressure: at most `ahead` batches besides the one committing.
      while (inFlight.length > ahead) await inFlight.shift()!.committed;
      if (failure || stopAfterCommit) break;
    }
    if (!failure && !stopAfterCommit) {
      readAll = true;
      if (lines.length > 0) dispatch();
    }
  } finally {
    // Whatever happened (a read error included), no transaction of this attempt stays open.
    await lastCommit;
  }
  if (failure) throw failure.err;
  if (stopAfterCommit && (skipped > 0 || !readAll)) return { kind: 'stopped', progress: progress! };
  const tail = splitter.tail();
  if (tail && deps.firstTime(`tail ${file} ${tail.offset}`)) {
    deps.log.info(
      { file, line: committed.line + 1, offset: tail.offset, bytes: tail.bytes },
      `${file}: line ${committed.line + 1} (byte ${tail.offset} on, ${tail.bytes} bytes so far) has no newline yet: it is imported once its newline arrives`,
    );
  }
  deps.metrics.currentFileRemainingBytes.set(0);
  if (progress) {
    const records = progress.records - start.records;
    const rejected = progress.rejected - start.rejected;
    deps.metrics.filesImported.inc();
    deps.log.info(
      { file, records, rejected, lines: progress.line, offset: progress.offset },
      `imported ${file}: ${records} records, ${rejected} rejected` + (start.line > 0 ? ` (lines ${start.line + 1}–${progress.line}; ${progress.records} records in all)` : ''),
    );
    return { kind: 'imported', progress, records, rejected, complete: tail === undefined };
  }
  if (start.clearsReport) {
    // Nothing new, but the file matches again: record that, so a new change is reported.
    const cleared = deps.book.get(file);
    if (cleared?.v === 2) {
      const { reported: _, ...rest } = cleared;
      const next: FileProgress = { ...rest, updatedAt: deps.now().toISOString() };
      await deps.publish([progressMessage(deps.topics.progress, next)]);
      deps.book.set(next);
    }
  }
  if (!known && size === 0) deps.log.info({ file }, `imported ${file}: 0 records, 0 rejected (empty)`);
  else if (known && !tail) deps.log.info({ file, lines: start.line, offset: start.offset }, `${file} was already imported: skipped`);
  return { kind: 'up-to-date', complete: tail === undefined };
}
