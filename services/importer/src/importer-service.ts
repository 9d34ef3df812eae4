import { mkdir, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  ProducerFencedError,
  type KafkaConnection,
  KafkaTransactionalProducer,
  type Logger,
  restoreChangelog,
} from '@mobilecs/platform';
import type { ImporterConfig } from './config';
import { importFile, type FileImportOutcome } from './file-importer';
import { ImportProgressBook } from './import-progress';
import type { ImporterMetrics } from './importer-metrics';
import { IncomingFolder } from './incoming-folder';
import { nameFilter } from './name-filter';
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
  private producer: KafkaTransactionalProducer | undefined;
  private folder: IncomingFolder | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  state: 'starting' | 'running' | 'stopping' | 'failed' = 'starting';

  constructor(
    private readonly config: ImporterConfig,
    private readonly kafka: KafkaConnection,
    private readonly metrics: ImporterMetrics,
    private readonly log: Logger,
    private readonly onFatal: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    await mkdir(this.config.INCOMING_DATA_RECORDS_DIR, { recursive: true });
    if (this.config.IMPORTER_ARCHIVE_DIR) await mkdir(this.config.IMPORTER_ARCHIVE_DIR, { recursive: true });
    // Initialising the transactional id aborts whatever a previous incarnation left open.
    this.producer = await KafkaTransactionalProducer.connect(this.kafka, this.config.IMPORTER_TRANSACTIONAL_ID);
    const { records } = await restoreChangelog(this.kafka, this.producer, this.config.TOPIC_IMPORTER_PROGRESS, (m) => {
      const problem = this.book.apply(m.key, m.value);
      if (problem) this.log.warn({ offset: m.offset }, problem);
    });
    this.log.info({ records, files: this.book.size }, 'import progress restored');
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
    let failures = 0;
    while (!this.stopping) {
      const path = this.queue.next();
      if (path === undefined) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      let outcome: FileImportOutcome | undefined;
      try {
        outcome = await importFile(path, {
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
          now: () => new Date(),
          stopping: () => this.stopping,
          firstTime: (note) => this.firstTime(note),
        });
        failures = 0;
      } catch (err) {
        if (err instanceof ProducerFencedError) {
          this.state = 'failed';
          this.onFatal(err);
          return;
        }
        if ((err as { code?: string }).code === 'ENOENT') {
          this.log.warn({ file: basename(path) }, `${basename(path)} disappeared before it was imported`);
          this.dequeue();
          continue;
        }
        // Kafka trouble: the open transaction was aborted; retry the file from its last commit.
        failures++;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        this.log.error({ err, file: basename(path), retryInMs: delay }, `importing ${basename(path)} failed; retrying`);
        await new Promise((r) => setTimeout(r, delay));
        continue;
      }
      if (outcome.kind === 'stopped') return;
      const again = this.dequeue();
      // Archived only when everything in it is accounted for (no line waits for its newline)
      // and it did not change meanwhile.
      if (this.config.IMPORTER_ARCHIVE_DIR && !again && outcome.kind !== 'refused' && outcome.complete) await this.archive(path);
    }
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
    this.wake?.();
    await this.loop;
    await this.folder?.close();
    await this.producer?.disconnect();
  }
}
