// The generators' state, kept durably in a SequenceStore (Kafka in production) so that a
// restart, or another replica, continues exactly where the last call stopped.
//
// A call: generate on a copy of the state → store the copy's state (before anything
// becomes visible: a crash after this point skips numbers, never reuses one) → make the
// output visible (publish, move the file in place, write the rows). If the output fails,
// the previous state is stored back, so a retry produces the same data; if even that
// fails, the next call loads what the store holds. One generation at a time per process:
// a second concurrent call is refused (GenerationBusyError, HTTP 429).
import { AgreementsGenerator, agreementsSummary } from './generation/agreements';
import { DataRecordFilesGenerator, formatIncomingRecordLine } from './generation/data-record-files';
import { DirectDataRecordsGenerator, directRecordsSummary } from './generation/direct-data-records';
import { billingPeriodOf } from './billing-period';
import { DependencyError, GenerationBusyError, TooManyLinesError } from './errors';
import type { AgreementPublisher, DataRecordStore, IncomingFolder } from './ports';
import {
  MemorySequenceStore,
  SequencesTakenOverError,
  decodeAgreements,
  decodeDataRecords,
  decodeFiles,
  encodeAgreements,
  encodeDataRecords,
  encodeFiles,
  sequenceKey,
  type SequenceKind,
  type SequenceScopes,
  type SequenceStore,
} from './sequences';

export interface GenerationResult {
  text: string;
  /** How many agreements, file lines or data records were produced. */
  produced: number;
}

export interface GenerationDeps {
  publisher: AgreementPublisher;
  folder: IncomingFolder;
  store: DataRecordStore;
  /** Where the sequences are kept; default: in memory (they then live as long as the process). */
  sequences?: SequenceStore;
  /** The destinations the sequences belong to; default: one fixed scope. */
  scopes?: SequenceScopes;
  /** Most lines (agreements, file lines, data records) one call may produce; default: no limit. */
  maxLinesPerCall?: number;
  /** The Retry-After of a refused concurrent call, in seconds; default 1. */
  retryAfterSeconds?: number;
}

const DEFAULT_SCOPES: SequenceScopes = { agreements: 'agreements', files: 'incoming-data-records', dataRecords: 'data_record' };
/** A save refused because another replica took over is retried from the new state this many times. */
const TAKEOVER_ATTEMPTS = 3;
const SEQUENCES = 'Kafka (generator sequences)';

interface Generators {
  agreements: AgreementsGenerator;
  files: DataRecordFilesGenerator;
  dataRecords: DirectDataRecordsGenerator;
}

const codecs: { [K in SequenceKind]: { encode: (g: Generators[K]) => string; clone: (g: Generators[K]) => Generators[K] } } = {
  agreements: { encode: (g) => encodeAgreements(g.snapshot()), clone: (g) => g.clone() },
  files: { encode: (g) => encodeFiles(g.snapshot()), clone: (g) => g.clone() },
  dataRecords: { encode: (g) => encodeDataRecords(g.snapshot()), clone: (g) => g.clone() },
};

export class GenerationService {
  private generators: Generators = {
    agreements: AgreementsGenerator.create(),
    files: DataRecordFilesGenerator.create(),
    dataRecords: DirectDataRecordsGenerator.create(),
  };
  private loaded = false;
  private running: Promise<unknown> | undefined;
  private readonly sequences: SequenceStore;
  private readonly scopes: SequenceScopes;
  private readonly maxLines: number;
  private readonly retryAfterSeconds: number;

  constructor(private readonly deps: GenerationDeps) {
    this.sequences = deps.sequences ?? new MemorySequenceStore();
    this.scopes = deps.scopes ?? DEFAULT_SCOPES;
    this.maxLines = deps.maxLinesPerCall ?? Number.POSITIVE_INFINITY;
    this.retryAfterSeconds = deps.retryAfterSeconds ?? 1;
  }

  /** Reads the stored sequences (at start-up, and again after another replica took over). */
  async load(): Promise<{ restored: SequenceKind[] }> {
    const values = await this.sequences.load();
    const stored = (kind: SequenceKind) => {
      const key = sequenceKey(kind, this.scopes);
      const value = values.get(key);
      return value === undefined ? undefined : { key, value };
    };
    const a = stored('agreements');
    const f = stored('files');
    const d = stored('dataRecords');
    // Decode all before replacing anything: a record that cannot be read stops here.
    this.generators = {
      agreements: a ? AgreementsGenerator.restore(decodeAgreements(a.key, a.value)) : AgreementsGenerator.create(),
      files: f ? DataRecordFilesGenerator.restore(decodeFiles(f.key, f.value)) : DataRecordFilesGenerator.create(),
      dataRecords: d ? DirectDataRecordsGenerator.restore(decodeDataRecords(d.key, d.value)) : DirectDataRecordsGenerator.create(),
    };
    this.loaded = true;
    return { restored: (['agreements', 'files', 'dataRecords'] as const).filter((k) => stored(k) !== undefined) };
  }

  /** Waits for the call in progress, if any (graceful shutdown). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** Whether a generation is running now. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  generateAgreements(count: number): Promise<GenerationResult> {
    return this.exclusive(async () => {
      const { before, out: batch } = await this.advance('agreements', (g) => {
        this.checkLines(count, `count=${count} agreements`);
        return g.next(count);
      });
      await this.orRollBack('agreements', before, () => this.deps.publisher.publish(batch));
      return { text: agreementsSummary(batch), produced: batch.length };
    });
  }

  generateFile(count: number, months: number): Promise<GenerationResult & { fileName: string }> {
    return this.exclusive(async () => {
      const { before, out: file } = await this.advance('files', (g) => {
        const lines = g.lines(count, months);
        this.checkLines(lines, `count=${count} msisdns × ${lines / count} days in months=${months}`);
        return g.next(count, months);
      });
      await this.orRollBack('files', before, () => this.deps.folder.writeFile(file.fileName, mapIterable(file.records, formatIncomingRecordLine)));
      return { text: file.summary, produced: file.records.length, fileName: file.fileName };
    });
  }

  generateDataRecords(count: number, months: number): Promise<GenerationResult> {
    return this.exclusive(async () => {
      const { before, out: records } = await this.advance('dataRecords', (g) => {
        this.checkLines(g.lines(count, months), `count=${count} agreements × months=${months}, one record a day`);
        return g.next(count, months);
      });
      await this.orRollBack('dataRecords', before, () =>
        this.deps.store.upsert(
          records.map((r) => ({
            agreementId: r.agreementId,
            ...billingPeriodOf(r.recordedAt, r.billingPeriodTimeZone),
            recordedAt: r.recordedAt,
            internalRecordId: r.internalRecordId,
            recordedBytes: BigInt(r.recordedBytes),
          })),
        ),
      );
      return { text: directRecordsSummary(records), produced: records.length };
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.running) return Promise.reject(new GenerationBusyError(this.retryAfterSeconds));
    const run = work();
    this.running = run;
    const clear = () => {
      if (this.running === run) this.running = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  private checkLines(lines: number, what: string): void {
    if (lines > this.maxLines) throw new TooManyLinesError(lines, this.maxLines, what);
  }

  /**
   * Generates on a copy of the current state and stores the copy's state; from then on
   * the copy is the state. When another replica took over, loads and generates again.
   */
  private async advance<K extends SequenceKind, O>(kind: K, step: (draft: Generators[K]) => O): Promise<{ before: Generators[K]; out: O }> {
    for (let attempt = 1; ; attempt++) {
      if (!this.loaded) await this.load().catch((err: unknown) => Promise.reject(new DependencyError(SEQUENCES, err)));
      const before = this.generators[kind];
      const draft = codecs[kind].clone(before);
      const out = step(draft);
      try {
        await this.sequences.save([[sequenceKey(kind, this.scopes), codecs[kind].encode(draft)]]);
      } catch (err) {
        this.loaded = false;
        if (err instanceof SequencesTakenOverError && attempt < TAKEOVER_ATTEMPTS) continue;
        throw new DependencyError(SEQUENCES, err);
      }
      this.generators[kind] = draft;
      return { before, out };
    }
  }

  /** Runs the output; if it fails, stores the previous state back (or, failing that, loads on the next call). */
  private async orRollBack<K extends SequenceKind>(kind: K, before: Generators[K], output: () => Promise<unknown>): Promise<void> {
    try {
      await output();
    } catch (err) {
      try {
        await this.sequences.save([[sequenceKey(kind, this.scopes), codecs[kind].encode(before)]]);
        this.generators[kind] = before;
      } catch {
        this.loaded = false;
      }
      throw err;
    }
  }
}

function* mapIterable<T, U>(items: Iterable<T>, f: (t: T) => U): Iterable<U> {
  for (const t of items) yield f(t);
}
