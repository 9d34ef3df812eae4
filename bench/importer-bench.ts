// Importer throughput and memory (IMPORTER_ENCODER_WORKERS=n in the environment picks the
// number of encoder worker threads, 0 the main thread): writes data-record files in the generator's format,
// runs the real importer (child process) against the bench Kafka, and reports lines per
// second from the file landing to its last transaction committed, and the importer's
// peak resident memory while it imported a small file and then a large one (flat =
// memory does not grow with the file).
//   npm run bench -- importer [sizeMiB=128]
import { createWriteStream, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zoneOffsetMs } from '@mobilecs/domain';
import { loadImporterConfig } from '../services/importer/src/config';
import { Cleanup, MiB, RssSampler, cpuSeconds, benchServers, round, serverEnv, startService, uniqueName } from './support';

const ZONE = 'Europe/Warsaw';

/**
 * Writes a file of about `sizeBytes` like the generator's: externalId;recordedAt in
 * Java's zoned form;msisdn;bytes — 1 000 msisdns, a record a minute.
 */
export async function writeDataRecordFile(path: string, sizeBytes: number, firstLine = 0): Promise<number> {
  const out = createWriteStream(path);
  const start = Date.UTC(2020, 0, 1, 23);
  const offsets = new Map<number, string>();
  // The zone's offset only changes on the hour: computed once per hour, not per line.
  const offsetText = (t: number) => {
    const hour = Math.floor(t / 3_600_000);
    let o = offsets.get(hour);
    if (o === undefined) {
      const ms = zoneOffsetMs(ZONE, t) ?? 0;
      o = `${ms < 0 ? '-' : '+'}${String(Math.floor(Math.abs(ms) / 3_600_000)).padStart(2, '0')}:${String((Math.abs(ms) / 60_000) % 60).padStart(2, '0')}`;
      offsets.set(hour, o);
    }
    return o;
  };
  let written = 0;
  let line = firstLine;
  while (written < sizeBytes) {
    const chunk: string[] = [];
    for (let i = 0; i < 10_000; i++, line++) {
      const t = start + (line % 1_000_000) * 60_000;
      const off = offsetText(t);
      const localMs = t + (off.startsWith('+') ? 1 : -1) * (Number(off.slice(1, 3)) * 60 + Number(off.slice(4, 6))) * 60_000;
      const at = `${new Date(localMs).toISOString().slice(0, 16)}${off}[${ZONE}]`;
      chunk.push(`00000000-0000-4000-8000-${line.toString(16).padStart(12, '0')};${at};4860${String(line % 1000).padStart(7, '0')};${1000 + (line % 99_999)}`);
    }
    const text = `${chunk.join('\n')}\n`;
    written += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return line - firstLine;
}

export interface ImporterResult {
  fileMiB: number;
  lines: number;
  seconds: number;
  linesPerSecond: number;
  /** Importer CPU time (user + system) per line while importing the large file. */
  cpuMicrosPerLine: number;
  /** Peak resident memory while importing the small file, then while importing the large one. */
  smallFileMiB: number;
  peakRssSmallMiB: number;
  peakRssLargeMiB: number;
  transactionLines: number;
  /** Worker threads parsing and encoding lines (IMPORTER_ENCODER_WORKERS; 0: the main thread). */
  encoderWorkers: number;
}

export async function importerBench(sizeMiB = 128, smallMiB = Math.max(1, Math.round(sizeMiB / 8))): Promise<ImporterResult> {
  const servers = await benchServers({ cassandra: false });
  const cleanup = new Cleanup();
  const dir = mkdtempSync(join(tmpdir(), 'mobilecs-bench-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  const tag = uniqueName('bench_importer');
  const topics = Object.fromEntries(
    ['AGREEMENTS', 'INCOMING_DATA_RECORDS', 'DATA_RECORDS_AGGREGATES', 'DEAD_LETTERS', 'DATA_RECORDS_LATE', 'IMPORTER_PROGRESS'].map((t) => [`TOPIC_${t}`, `${tag}.${t.toLowerCase()}`]),
  );
  cleanup.topic(...Object.values(topics));
  try {
    const small = await writeDataRecordFile(join(dir, 'tmp_small'), smallMiB * MiB);
    const lines = await writeDataRecordFile(join(dir, 'tmp_large'), sizeMiB * MiB, small);
    const importer = cleanup.process(
      startService('importer', {
        ...serverEnv(servers),
        ...topics,
        INCOMING_DATA_RECORDS_DIR: dir,
        HTTP_PORT: '0',
        TOPIC_PARTITIONS: '6',
        IMPORTER_TRANSACTIONAL_ID: tag,
      }),
    );
    await importer.waitForLog(/"msg":"importer ready"/, 120_000);
    const rss = new RssSampler(importer.pid);
    renameSync(join(dir, 'tmp_small'), join(dir, 'small.csv'));
    await importer.waitForLog(/imported small\.csv/, 600_000);
    const peakSmall = rss.stop();
    const rssLarge = new RssSampler(importer.pid);
    const started = Date.now();
    const cpuBefore = cpuSeconds(importer.pid);
    renameSync(join(dir, 'tmp_large'), join(dir, 'large.csv'));
    await importer.waitForLog(/imported large\.csv/, 1_200_000);
    const seconds = (Date.now() - started) / 1000;
    // CPU time per line hardly depends on what else runs on the machine: the measure for comparing code changes.
    const cpu = cpuSeconds(importer.pid) - cpuBefore;
    const peakLarge = rssLarge.stop();
    await importer.kill('SIGTERM');
    // What the importer ran with: its defaults, unless this process's environment sets them.
    const config = loadImporterConfig({ ...process.env });
    return {
      fileMiB: sizeMiB,
      lines,
      seconds: round(seconds, 1),
      linesPerSecond: Math.round(lines / seconds),
      cpuMicrosPerLine: round((cpu * 1e6) / lines, 1),
      smallFileMiB: smallMiB,
      peakRssSmallMiB: Math.round(peakSmall / MiB),
      peakRssLargeMiB: Math.round(peakLarge / MiB),
      transactionLines: config.IMPORTER_TRANSACTION_LINES,
      encoderWorkers: config.IMPORTER_ENCODER_WORKERS,
    };
  } finally {
    await cleanup.run(servers);
  }
}
