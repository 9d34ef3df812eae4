import { mkdir, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type KafkaTransactionalProducerPort, type Logger, retry } from '@mobilecs/platform';
import type { ImporterConfig } from './config';
import { importFile, type FileImportOutcome, type FileImporterDeps } from './file-importer';
import { ImportProgressBook } from './import-progress';
import type { ImporterMetrics } from './importer-metrics';
import { IncomingFolder } from './incoming-folder';
import { LineEncoderPool } from './line-encoder-pool';
import { nameFilter } from './name-filter';
import type { ImporterPorts } from './ports';
import { WorkQueue } from './work-queue';

/**
 * The importer: restores its progress book, then imports what is new in files one at a
 * time, in arrival order; a file that changes while it is imported is looked at again.
 */
export class ImporterService {
  private readonly queue = new WorkQueue();
  private readonly book = new ImportProgressBook();
  /** Notes already given in this process (e.g. "waiting for the newline of …"). */
  private readonly notes = new Set<string>();
  private producer: KafkaTransactionalProducerPort | undefined;
  private folder: IncomingFolder | undefined;
  /** Parses and encodes lines off the main thread (IMPORTER_ENCODER_WORKERS > 0). */
  private encoders: LineEncoderPool | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  /** Aborted by stop(): ends a wait between two attempts at once. */
  private readonly stopSignal = new AbortController();
  private loop: Promise<void> | undefined;
  state: 'starting' | 'running' | 'stopping' | 'failed' = 'starting';

  constructor(
    private readonly config: ImporterConfig,
    private readonly ports: ImporterPorts,
    private readonly metrics: ImporterMetrics,
    private readonly log: Logger,
    private readonly onFatal: (err: unknown) => void,
    /** The wall clock (a dead letter's time, the future-tolerance check). */
    private readonly now: () => Date = () => new Date(),
    /** First wait before importing a file again after a failure (doubles up to 30 s). */
    private readonly retryDelayMs = 1000,
  ) {}

  async start(): Promise<void> {
    await mkdir(this.config.INCOMING_DATA_RECORDS_DIR, { recursive: true });
    if (this.config.IMPORTER_ARCHIVE_DIR) await mkdir(this.config.IMPORTER_ARCHIVE_DIR, { recursive: true });
    // Initialising the transactional id aborts whatever a previous incarnation left open.
    this.producer = await this.ports.connectProducer(this.config.IMPORTER_TRANSACTIONAL_ID);
    const { records } = await this.ports.restoreChangelog(this.producer, this.config.TOPIC_IMPORTER_PROGRESS, (m) => {
      const problem = this.book.apply(m.key, m.value);
      if (problem) this.log.warn({ key: m.key, offset: m.offset, reason: problem }, problem);
    });
    this.log.info({ records, files: this.book.size }, 'import progress restored');
    if (this.config.IMPORTER_ENCODER_WORKERS > 0) this.encoders = new LineEncoderPool(this.config.IMPORTER_ENCODER_WORKERS);
    this.folder = new IncomingFolder(
      this.config.INCOMING_DATA_RECORDS_DIR,
      {
        stabilityMs: this.config.IMPORTER_STABILITY_MS,
        poll: this.config.IMPORTER_POLL,
        accept: nameFilter(this.config.IMPORTER_INCLUDE, this.config.IMPORTER_EXCLUDE),
      },
      (path) => this.enqueue(path),
    );
    await this.folder.start();
    this.state = 'running';
    this.loop = this.run();
  }

  private enqueue(path: string): void {
    this.queue.offer(path);
    this.metrics.filesQueued.set(this.queue.length);
    this.wake?.();
  }

  private firstTime(note: string): boolean {
    if (this.notes.has(note)) return false;
    // Bounded: a note is only a courtesy (a line said once), never needed for correctness.
    if (this.notes.size >= 100_000) this.notes.clear();
    this.notes.add(note);
    return true;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const path = this.queue.next();
      if (path === undefined) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      const file = basename(path);
      let outcome: FileImportOutcome;
      try {
        // Kafka trouble aborts the open transaction: the file is tried again from its last
        // commit, with backoff, for as long as it takes. Not retriable (a fenced producer):
        // the importer stops. A file it cannot read is no error here: importFile reports it.
        outcome = await retry(() => importFile(path, this.deps()), {
          what: `importing ${file}`,
          initialDelayMs: this.retryDelayMs,
          maxDelayMs: 30_000,
          signal: this.stopSignal.signal,
          onRetry: ({ err, delayMs }) => this.log.error({ err, file, retryInMs: delayMs }, `importing ${file} failed; retrying`),
        });
      } catch (err) {
        if (this.stopping) return;
        this.state = 'failed';
        this.onFatal(err);
        return;
      }
      if (outcome.kind === 'stopped') return;
      const again = this.dequeue();
      // Archived only when everything in it is accounted for (no line waits for its newline)
      // and it did not change meanwhile.
      if (this.config.IMPORTER_ARCHIVE_DIR && !again && (outcome.kind === 'imported' || outcome.kind === 'up-to-date' || outcome.kind === 'duplicate') && outcome.complete) {
        await this.archive(path);
      }
    }
  }

  private deps(): FileImporterDeps {
    return {
      publish: (messages) => this.producer!.inTransaction((tx) => tx.send(messages)),
      topics: {
        records: this.config.TOPIC_INCOMING_DATA_RECORDS,
        deadLetters: this.config.TOPIC_DEAD_LETTERS,
        progress: this.config.TOPIC_IMPORTER_PROGRESS,
      },
      book: this.book,
      metrics: this.metrics,
      log: this.log,
      transactionLines: this.config.IMPORTER_TRANSACTION_LINES,
      maxLineBytes: this.config.IMPORTER_MAX_LINE_BYTES,
      futureToleranceMs: this.config.EVENT_TIME_FUTURE_TOLERANCE_MS,
      now: this.now,
      stopping: () => this.stopping,
      firstTime: (note) => this.firstTime(note),
      ...(this.encoders
        ? {
            encoder: (lines, ctx) => this.encoders!.encode(lines, ctx),
            // One batch committing, one encoding in each worker.
            batchesAhead: this.encoders.size,
          }
        : {}),
    };
  }

  /** The current file is done; true when it changed meanwhile and was queued again. */
  private dequeue(): boolean {
    const again = this.queue.done();
    this.metrics.filesQueued.set(this.queue.length);
    this.metrics.currentFileRemainingBytes.set(0);
    return again;
  }

  private async archive(path: string): Promise<void> {
    try {
      await rename(path, join(this.config.IMPORTER_ARCHIVE_DIR, basename(path)));
    } catch (err) {
      this.log.warn({ err, file: basename(path) }, `could not move ${basename(path)} to the archive`);
    }
  }

  /** Commits the transaction in progress (at most one batch of lines), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.state = 'stopping';
    this.stopSignal.abort(new Error('importer stopping'));
    this.wake?.();
    await this.loop;
    await this.encoders?.close();
    await this.folder?.close();
    await this.producer?.disconnect();
  }
}
