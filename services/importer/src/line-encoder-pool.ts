import { Worker } from 'node:worker_threads';
import { PlatformError } from '@mobilecs/platform';
import type { RawLine } from './line-reader';
import { packLines, type EncodeReply, type EncodedLines, type EncodeTask, type LineEncodingContext } from './line-encoding';

/**
 * An encoder worker failed: it threw on a batch, crashed, exited or did not answer in
 * time. The batch is not lost: nothing of it was published, and the import is retried
 * from its last commit like any other failure (a crashed worker is replaced).
 */
export class LineEncoderError extends PlatformError {
  readonly code = 'IMPORTER_ENCODER_FAILED';
  readonly retriable = true;
  constructor(
    readonly file: string,
    /** Lines of the batch. */
    readonly lines: { first: number; last: number },
    readonly what: 'threw' | 'crashed' | 'exited' | 'timed-out' | 'closed',
    detail: string,
    override readonly cause?: unknown,
  ) {
    super(`encoding lines ${lines.first}–${lines.last} of ${file} in a worker thread failed (${what}): ${detail}. Nothing of them was published; the file is imported again from its last commit.`);
    this.name = 'LineEncoderError';
  }
}

export interface LineEncoderPoolOptions {
  /** The worker script; the importer's own by default (tests give faulty ones). */
  workerUrl?: URL;
  /** A batch not answered in this time is a failure and its worker is replaced. */
  taskTimeoutMs?: number;
  /** Given to each worker as its workerData (for test workers). */
  workerData?: unknown;
}

interface Task {
  id: number;
  file: string;
  lines: { first: number; last: number };
  message: EncodeTask;
  resolve: (e: EncodedLines) => void;
  reject: (err: unknown) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  task?: Task;
}

/**
 * Worker threads that parse and encode batches of lines, so the main thread only reads,
 * hashes and produces. Batches are handed to idle workers in the order given; each caller
 * gets its own batch's result (the caller keeps the order of its commits). Workers start
 * lazily, a failed one is replaced on the next batch, and none keeps the process alive
 * when idle.
 */
export class LineEncoderPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private nextId = 1;
  private closed = false;
  private readonly workerUrl: URL;
  private readonly taskTimeoutMs: number;
  private readonly workerData: unknown;

  constructor(
    readonly size: number,
    opts: LineEncoderPoolOptions = {},
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`an encoder pool needs at least one worker, not ${size}`);
    this.workerUrl = opts.workerUrl ?? new URL('./line-encoder-worker.ts', import.meta.url);
    this.taskTimeoutMs = opts.taskTimeoutMs ?? 60_000;
    this.workerData = opts.workerData;
  }

  /** Encodes lines in a worker thread; rejects with a LineEncoderError if the worker fails. */
  encode(lines: readonly RawLine[], ctx: LineEncodingContext): Promise<EncodedLines> {
    const span = { first: lines[0]?.line ?? 0, last: lines.at(-1)?.line ?? 0 };
    if (this.closed) return Promise.reject(new LineEncoderError(ctx.file, span, 'closed', 'the importer is stopping'));
    return new Promise<EncodedLines>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.push({ id, file: ctx.file, lines: span, message: { id, packed: packLines(lines), ctx }, resolve, reject });
      this.pump();
    });
  }

  /** Stops the workers; batches not answered yet fail with what 'closed'. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.waiting.splice(0)) t.reject(new LineEncoderError(t.file, t.lines, 'closed', 'the importer is stopping'));
    await Promise.all(
      this.slots.splice(0).map(async (slot) => {
        if (slot.task) this.fail(slot.task, 'closed', 'the importer is stopping');
        await slot.worker.terminate();
      }),
    );
  }

  /** Workers running now (started lazily, at most `size`). */
  get workers(): number {
    return this.slots.length;
  }

  private pump(): void {
    while (this.waiting.length > 0 && !this.closed) {
      let slot = this.slots.find((s) => s.task === undefined);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.start();
      }
      const task = this.waiting.shift()!;
      slot.task = task;
      task.timer = setTimeout(() => {
        this.fail(task, 'timed-out', `no answer within ${this.taskTimeoutMs} ms`);
        this.drop(slot);
      }, this.taskTimeoutMs);
      slot.worker.postMessage(task.message, [task.message.packed.bytes.buffer as ArrayBuffer, task.message.packed.meta.buffer as ArrayBuffer]);
    }
  }

  private start(): Slot {
    // The services run TypeScript through tsx (`node --import tsx`), which a worker inherits
    // with the process's execArgv; elsewhere (vitest) the worker is given tsx itself.
    const execArgv = process.execArgv.some((a) => a.includes('tsx')) ? process.execArgv : [...process.execArgv, '--import', 'tsx'];
    const worker = new Worker(this.workerUrl, { execArgv, workerData: this.workerData });
    const slot: Slot = { worker };
    worker.unref();
    worker.on('message', (reply: EncodeReply) => {
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
      slot.task = undefined;
      clearTimeout(task.timer);
      if ('error' in reply) {
        task.reject(new LineEncoderError(task.file, task.lines, 'threw', `${reply.error.name}: ${reply.error.message}`, reply.error));
      } else {
        task.resolve(reply.encoded);
      }
      this.pump();
    });
    worker.on('error', (err) => {
      if (slot.task) this.fail(slot.task, 'crashed', err instanceof Error ? err.message : String(err), err);
      this.drop(slot);
    });
    worker.on('messageerror', (err) => {
      if (slot.task) this.fail(slot.task, 'crashed', `its answer could not be read: ${err.message}`, err);
      this.drop(slot);
    });
    worker.on('exit', (code) => {
      if (slot.task) this.fail(slot.task, 'exited', `the worker thread exited with code ${code}`);
      this.drop(slot, false);
    });
    this.slots.push(slot);
    return slot;
  }

  private fail(task: Task, what: LineEncoderError['what'], detail: string, cause?: unknown): void {
    clearTimeout(task.timer);
    task.reject(new LineEncoderError(task.file, task.lines, what, detail, cause));
  }

  /** Forgets a failed worker (a new one starts for the next batch). */
  private drop(slot: Slot, terminate = true): void {
    slot.task = undefined;
    const at = this.slots.indexOf(slot);
    if (at === -1) return;
    this.slots.splice(at, 1);
    if (terminate) void slot.worker.terminate().catch(() => undefined);
    this.pump();
  }
}
