import { basename } from 'node:path';
import { TextDecoder } from 'node:util';
import { importedRecordCodec, parseDataRecordLine, stringifyExact, toImportedRecord, type DataRecordLineError } from '@mobilecs/domain';
import type { KafkaTransactionalProducer, Logger, OutgoingMessage } from '@mobilecs/platform';
import { fingerprint } from './file-fingerprint';
import type { ImportProgress, ImportProgressBook } from './import-progress';
import type { ImporterMetrics } from './importer-metrics';
import { readLines, type RawLine } from './line-reader';

export interface FileImporterDeps {
  producer: KafkaTransactionalProducer;
  topics: { records: string; deadLetters: string; progress: string };
  book: ImportProgressBook;
  metrics: ImporterMetrics;
  log: Logger;
  transactionLines: number;
  maxLineBytes: number;
  now: () => Date;
  /** Polled between transactions: true when the service is shutting down. */
  stopping: () => boolean;
}

export type FileImportOutcome =
  | { kind: 'imported'; progress: ImportProgress }
  | { kind: 'already-imported'; progress: ImportProgress }
  | { kind: 'duplicate'; file: string; original: ImportProgress }
  | { kind: 'stopped'; progress: ImportProgress };

/** Why a line went to the dead-letter topic: 'line-too-long', 'invalid-utf8' or a DataRecordLineError reason. */
export type RejectionReason = 'line-too-long' | 'invalid-utf8' | DataRecordLineError['reason'];

export interface DeadLetter {
  source: { file: string; line: number; offset: number };
  reason: RejectionReason;
  message: string;
  /** The line as text (invalid UTF-8 bytes shown as U+FFFD). */
  raw: string;
  /** The exact bytes, when they are not valid UTF-8. */
  rawBase64?: string;
  rejectedAt: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Imports one file exactly once: its lines are published in transactions of
 * `transactionLines`, each carrying the file's progress record, so after a crash the
 * import resumes exactly after the last committed line. A file whose content was
 * already imported completely (under any name) is reported and skipped.
 */
export async function importFile(path: string, deps: FileImporterDeps): Promise<FileImportOutcome> {
  const file = basename(path);
  const { sha256, size } = await fingerprint(path);
  const known = deps.book.get(sha256);
  if (known?.done && known.file === file) {
    deps.log.info({ file, sha256 }, `${file} was already imported: skipped`);
    return { kind: 'already-imported', progress: known };
  }
  if (known?.done) {
    deps.metrics.duplicateFiles.inc();
    deps.log.warn({ file, sha256, original: known.file }, `file ${file} has the same content as ${known.file}, which was already imported: skipped`);
    return { kind: 'duplicate', file, original: known };
  }
  let progress: ImportProgress = known
    ? { ...known, file }
    : { sha256, file, size, line: 0, offset: 0, records: 0, rejected: 0, done: false, updatedAt: deps.now().toISOString() };
  if (known) deps.log.info({ file, line: known.line, offset: known.offset }, `resuming ${file} after line ${known.line}`);
  else deps.log.info({ file, sha256, size }, `importing ${file}`);

  let batch: OutgoingMessage[] = [];
  let pending = { line: progress.line, offset: progress.offset, records: 0, rejected: 0, rejections: new Map<string, number>() };

  const commit = async (done: boolean) => {
    const next: ImportProgress = {
      ...progress,
      line: pending.line,
      offset: pending.offset,
      records: progress.records + pending.records,
      rejected: progress.rejected + pending.rejected,
      done,
      updatedAt: deps.now().toISOString(),
    };
    const messages = [...batch, { topic: deps.topics.progress, key: sha256, value: JSON.stringify(next) }];
    const end = deps.metrics.transactionSeconds.startTimer();
    await deps.producer.inTransaction((tx) => tx.send(messages));
    end();
    deps.metrics.recordsPublished.inc(pending.records);
    for (const [reason, n] of pending.rejections) deps.metrics.linesRejected.inc({ reason }, n);
    deps.metrics.currentFileRemainingBytes.set(Math.max(0, size - next.offset));
    deps.book.set(next);
    progress = next;
    batch = [];
    pending = { line: next.line, offset: next.offset, records: 0, rejected: 0, rejections: new Map() };
  };

  const reject = (raw: RawLine, reason: RejectionReason, message: string, text: string, exact?: Buffer) => {
    const letter: DeadLetter = {
      source: { file, line: raw.line, offset: raw.offset },
      reason,
      message: `${file}:${raw.line}: ${message}`,
      raw: text,
      ...(exact ? { rawBase64: exact.toString('base64') } : {}),
      rejectedAt: deps.now().toISOString(),
    };
    batch.push({ topic: deps.topics.deadLetters, key: file, value: JSON.stringify(letter) });
    pending.rejected++;
    pending.rejections.set(reason, (pending.rejections.get(reason) ?? 0) + 1);
    deps.log.warn({ file, line: raw.line, offset: raw.offset, reason }, letter.message);
  };

  for await (const raw of readLines(path, { startOffset: progress.offset, startLine: progress.line, maxLineBytes: deps.maxLineBytes })) {
    deps.metrics.linesRead.inc();
    if (raw.tooLong) {
      reject(raw, 'line-too-long', `line is longer than ${deps.maxLineBytes} bytes`, raw.bytes.toString('utf8'));
    } else {
      let text: string | undefined;
      try {
        text = strictUtf8.decode(raw.bytes);
      } catch {
        reject(raw, 'invalid-utf8', 'line is not valid UTF-8', raw.bytes.toString('utf8'), raw.bytes);
      }
      if (text !== undefined) {
        const parsed = parseDataRecordLine(text);
        if (parsed.ok) {
          const record = toImportedRecord(parsed.value, { file, line: raw.line });
          batch.push({
            topic: deps.topics.records,
            key: record.msisdn,
            // toJson, not encode: every field was just validated by the line parser, so
            // the codec's second zod pass over its own output would only cost time.
            value: stringifyExact(importedRecordCodec.toJson(record)),
            timestamp: record.recordedAt,
          });
          pending.records++;
        } else {
          reject(raw, parsed.error.reason, parsed.error.message, text);
        }
      }
    }
    pending.line = raw.line;
    pending.offset = raw.nextOffset;
    if (pending.line - progress.line >= deps.transactionLines) {
      await commit(false);
      if (deps.stopping()) return { kind: 'stopped', progress };
    }
  }
  await commit(true);
  deps.metrics.filesImported.inc();
  deps.log.info({ file, records: progress.records, rejected: progress.rejected, lines: progress.line }, `imported ${file}: ${progress.records} records, ${progress.rejected} rejected`);
  return { kind: 'imported', progress };
}
