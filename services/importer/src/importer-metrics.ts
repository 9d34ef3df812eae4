import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ImporterMetrics {
  linesRead: Counter;
  recordsPublished: Counter;
  linesRejected: Counter<'reason'>;
  filesImported: Counter;
  duplicateFiles: Counter;
  filesRefused: Counter<'reason'>;
  filesQueued: Gauge;
  currentFileRemainingBytes: Gauge;
  transactionSeconds: Histogram;
}

export function importerMetrics(registry: Registry): ImporterMetrics {
  const registers = [registry];
  return {
    linesRead: new Counter({ name: 'importer_lines_read_total', help: 'Lines read from data-record files', registers }),
    recordsPublished: new Counter({ name: 'importer_records_published_total', help: 'Records committed to incoming-data-records', registers }),
    linesRejected: new Counter({ name: 'importer_lines_rejected_total', help: 'Lines sent to the dead-letter topic', labelNames: ['reason'], registers }),
    filesImported: new Counter({ name: 'importer_files_imported_total', help: 'Files completely imported', registers }),
    duplicateFiles: new Counter({ name: 'importer_duplicate_files_total', help: 'Files skipped because the same content was already imported', registers }),
    filesRefused: new Counter({
      name: 'importer_files_refused_total',
      help: 'Files not imported (further), reported on dead-letters: the part already imported changed (file-changed), the file shrank (file-truncated), or it cannot be read (file-unreadable)',
      labelNames: ['reason'],
      registers,
    }),
    filesQueued: new Gauge({ name: 'importer_files_queued', help: 'Files waiting to be imported (lag)', registers }),
    currentFileRemainingBytes: new Gauge({ name: 'importer_current_file_remaining_bytes', help: 'Bytes of the current file not yet committed (lag)', registers }),
    transactionSeconds: new Histogram({
      name: 'importer_transaction_duration_seconds',
      help: 'Time to publish and commit one transaction of lines',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}
