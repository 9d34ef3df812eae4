// The generators' state for the lifetime of the service. Each call generates on a copy
// and keeps it only once its output is safely out (Kafka acknowledged, file renamed,
// rows written): a failed call changes nothing, and retrying it gives the same data.
// Calls are serialised, so concurrent requests get consecutive, never interleaved, batches.
import { AgreementsGenerator, agreementsSummary } from './generation/agreements';
import { DataRecordFilesGenerator, formatIncomingRecordLine } from './generation/dataRecordFiles';
import { DirectDataRecordsGenerator, directRecordsSummary } from './generation/directDataRecords';
import { billingPeriodOf } from './billingPeriod';
import type { AgreementPublisher, DataRecordStore, IncomingFolder } from './ports';

export interface GenerationResult {
  text: string;
  /** How many agreements, file lines or data records were produced. */
  produced: number;
}

export class GenerationService {
  private agreements = AgreementsGenerator.create();
  private files = DataRecordFilesGenerator.create();
  private direct = DirectDataRecordsGenerator.create();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: { publisher: AgreementPublisher; folder: IncomingFolder; store: DataRecordStore },
  ) {}

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Waits for the call in progress, if any (graceful shutdown). */
  async idle(): Promise<void> {
    await this.tail;
  }

  generateAgreements(count: number): Promise<GenerationResult> {
    return this.serialised(async () => {
      const draft = this.agreements.clone();
      const batch = draft.next(count);
      await this.deps.publisher.publish(batch);
      this.agreements = draft;
      return { text: agreementsSummary(batch), produced: batch.length };
    });
  }

  generateFile(count: number, months: number): Promise<GenerationResult & { fileName: string }> {
    return this.serialised(async () => {
      const draft = this.files.clone();
      const file = draft.next(count, months);
      await this.deps.folder.writeFile(file.fileName, mapIterable(file.records, formatIncomingRecordLine));
      this.files = draft;
      return { text: file.summary, produced: file.records.length, fileName: file.fileName };
    });
  }

  generateDataRecords(count: number, months: number): Promise<GenerationResult> {
    return this.serialised(async () => {
      const draft = this.direct.clone();
      const records = draft.next(count, months);
      await this.deps.store.upsert(
        records.map((r) => ({
          agreementId: r.agreementId,
          ...billingPeriodOf(r.recordedAt, r.billingPeriodTimeZone),
          recordedAt: r.recordedAt,
          internalRecordId: r.internalRecordId,
          recordedBytes: BigInt(r.recordedBytes),
        })),
      );
      this.direct = draft;
      return { text: directRecordsSummary(records), produced: records.length };
    });
  }
}

function* mapIterable<T, U>(items: Iterable<T>, f: (t: T) => U): Iterable<U> {
  for (const t of items) yield f(t);
}
