// File-to-alert latency: the importer and the ingester run as child processes with their
// default settings; small data-record files land in the importer's folder at a steady
// rate (written as tmp_… and renamed into place, as the generator-backend does), each
// holding the records that push one fresh agreement over its plan on the file's last
// line, plus records of background subscribers far below their plans. Latency = from the
// file's rename to the arrival of that agreement's DATA_PLAN_EXCEEDED on the aggregates
// topic at a read_committed consumer. The importer's log times split it into: waiting to
// be picked up, importing (until its transaction committed), and ingesting.
//   npm run bench -- latency [recordsPerSecond=1000] [seconds=30]
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build as buildHistogram, type Histogram } from 'hdr-histogram-js';
import { agreementCodec, formatZonedTimestamp, type Agreement } from '@mobilecs/domain';
import { KafkaProducer } from '@mobilecs/platform';
import { loadImporterConfig } from '../services/importer/src/config';
import { loadIngesterConfig } from '../services/ingester/src/config';
import { preparePipeline, startPipeline } from './pipeline';
import { Cleanup, benchServers, sleep, uniqueName, waitFor } from './support';

export interface LatencyOptions {
  recordsPerSecond: number;
  recordsPerFile: number;
  /** Measured files are those after the warm-up. */
  seconds: number;
  warmupSeconds: number;
  partitions: number;
}

export const defaultLatencyOptions: LatencyOptions = { recordsPerSecond: 1000, recordsPerFile: 100, seconds: 30, warmupSeconds: 5, partitions: 6 };

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export interface LatencyResult {
  recordsPerSecond: number;
  achievedRecordsPerSecond: number;
  files: number;
  recordsPerFile: number;
  alertsMissing: number;
  fileToAlertMs: Percentiles;
  /** Rename → the importer starts reading the file (its "importing" log line). */
  pickupMs: Percentiles;
  /** Start of reading → the file's last transaction committed ("imported" log line). */
  importMs: Percentiles;
  /** Committed by the importer → alert at the consumer (ingester + consumer fetch). */
  ingestMs: Percentiles;
  settings: Record<string, string | number>;
}

const ZONE = 'Europe/Warsaw';
const BACKGROUND = 100;
export const TARGET_RECORDS = 10;
export const TARGET_BYTES = 1000;

export const histogram = (): Histogram => buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000, numberOfSignificantValueDigits: 3 });
export const percentiles = (h: Histogram): Percentiles => ({ p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), max: h.maxValue });

export function agreement(id: string, msisdn: string, maxBytes: number): Agreement {
  return { id, msisdn, signedAt: Date.UTC(2019, 10, 1), serviceStartAt: Date.UTC(2019, 11, 1), billingPeriodTimeZone: ZONE, maxBytesInBillingPeriod: BigInt(maxBytes) };
}
export const targetMsisdn = (i: number) => `4872${String(i).padStart(7, '0')}`;
export const targetId = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
export const backgroundId = (j: number) => `00000000-0000-4000-9000-${String(j).padStart(12, '0')}`;
export const backgroundMsisdn = (j: number) => `4873${String(j).padStart(7, '0')}`;

/** File i: background records, with the target's TARGET_RECORDS spread over it, the last one on the last line. */
export function fileText(i: number, records: number, background = BACKGROUND): string {
  const lines: string[] = [];
  const every = Math.floor(records / TARGET_RECORDS);
  const base = Date.UTC(2020, 0, 2) + i * 60_000;
  for (let n = 1; n <= records; n++) {
    const target = n % every === 0 && n / every <= TARGET_RECORDS;
    const msisdn = target ? targetMsisdn(i) : backgroundMsisdn((i * records + n) % background);
    const at = formatZonedTimestamp(base + n * 100, ZONE);
    lines.push(`10000000-0000-4000-8000-${String(i).padStart(6, '0')}${String(n).padStart(6, '0')};${at};${msisdn};${target ? TARGET_BYTES : 1000}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function latencyBench(opts: LatencyOptions = defaultLatencyOptions): Promise<LatencyResult> {
  if (opts.recordsPerFile < TARGET_RECORDS * 2) throw new Error(`at least ${TARGET_RECORDS * 2} records per file`);
  const servers = await benchServers();
  const cleanup = new Cleanup();
  const filesPerSecond = opts.recordsPerSecond / opts.recordsPerFile;
  const intervalMs = 1000 / filesPerSecond;
  const warmupFiles = Math.round(opts.warmupSeconds * filesPerSecond);
  const files = warmupFiles + Math.round(opts.seconds * filesPerSecond);
  try {
    const setup = await preparePipeline(servers, cleanup, uniqueName('bench_latency'), opts.partitions);
    const { names, dir } = setup;
    // Targets reach their plan exactly on their last record; background subscribers never do.
    const agreements = [
      ...Array.from({ length: files }, (_, i) => agreement(targetId(i), targetMsisdn(i), TARGET_RECORDS * TARGET_BYTES)),
      ...Array.from({ length: BACKGROUND }, (_, j) => agreement(backgroundId(j), backgroundMsisdn(j), 1e15)),
    ];
    const producer = await KafkaProducer.connect(servers.kafka);
    await producer.send(agreements.map((a) => ({ topic: names.agreements, key: a.msisdn, value: agreementCodec.encode(a), timestamp: a.signedAt })));
    await producer.disconnect();

    const { importer, ingester, arrived } = await startPipeline(servers, cleanup, setup);

    const landed: number[] = [];
    const t0 = Date.now() + 200;
    for (let i = 0; i < files; i++) {
      await sleep(t0 + i * intervalMs - Date.now());
      const tmp = join(dir, `tmp_lat_${i}`);
      writeFileSync(tmp, fileText(i, opts.recordsPerFile));
      renameSync(tmp, join(dir, `lat_${i}.csv`));
      landed[i] = Date.now();
    }
    const achieved = ((files - 1) * opts.recordsPerFile) / ((landed[files - 1]! - landed[0]!) / 1000);
    await waitFor('the last alerts', () => (arrived.size >= files ? true : undefined), 30_000).catch(() => undefined);

    // The importer's own log times (same clock): when it started and finished each file.
    const logTime = (re: RegExp) => {
      const at = new Map<number, number>();
      for (const l of importer.lines) {
        const m = re.exec(l);
        if (m) at.set(Number(m[1]), Number(/"time":(\d+)/.exec(l)?.[1]));
      }
      return at;
    };
    const started = logTime(/"msg":"importing lat_(\d+)\.csv"/);
    const imported = logTime(/"msg":"imported lat_(\d+)\.csv/);
    const [total, pickup, importing, ingesting] = [histogram(), histogram(), histogram(), histogram()];
    let missing = 0;
    for (let i = warmupFiles; i < files; i++) {
      const alert = arrived.get(targetId(i));
      const s = started.get(i);
      const d = imported.get(i);
      if (alert === undefined || s === undefined || d === undefined) {
        missing++;
        continue;
      }
      total.recordValue(Math.max(1, alert - landed[i]!));
      pickup.recordValue(Math.max(1, s - landed[i]!));
      importing.recordValue(Math.max(1, d - s));
      ingesting.recordValue(Math.max(1, alert - d));
    }
    await Promise.all([importer.kill('SIGTERM'), ingester.kill('SIGTERM')]);
    const importerConfig = loadImporterConfig({ ...process.env });
    const ingesterConfig = loadIngesterConfig({ ...process.env });
    return {
      recordsPerSecond: opts.recordsPerSecond,
      achievedRecordsPerSecond: Math.round(achieved),
      files: files - warmupFiles,
      recordsPerFile: opts.recordsPerFile,
      alertsMissing: missing,
      fileToAlertMs: percentiles(total),
      pickupMs: percentiles(pickup),
      importMs: percentiles(importing),
      ingestMs: percentiles(ingesting),
      settings: {
        IMPORTER_STABILITY_MS: importerConfig.IMPORTER_STABILITY_MS,
        IMPORTER_TRANSACTION_LINES: importerConfig.IMPORTER_TRANSACTION_LINES,
        INGESTER_IDLE_TIMEOUT_MS: ingesterConfig.INGESTER_IDLE_TIMEOUT_MS,
        INGESTER_TICK_MS: ingesterConfig.INGESTER_TICK_MS,
        INGESTER_CASSANDRA_CONCURRENCY: ingesterConfig.INGESTER_CASSANDRA_CONCURRENCY,
        warmupSeconds: opts.warmupSeconds,
      },
    };
  } finally {
    await cleanup.run(servers);
  }
}
