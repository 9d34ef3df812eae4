// Sustained load (issue 17): the importer and the ingester as child processes with their
// default settings, files landing in the importer's folder at a steady rate for many
// minutes. First the maximum rate through both is measured (files as fast as the importer
// takes them; records/s the ingester commits), then the soak runs at `share` of it.
// Every file is latency-bench's: background subscribers far below their plans plus one
// fresh agreement pushed over its plan on the file's last line, so every file yields one
// DATA_PLAN_EXCEEDED to time (rename → alert at a read_committed consumer).
// Sampled every 5 s: records/s, heap used and resident memory of both services, their GC
// pauses (prom-client's nodejs_gc_duration_seconds). Written: bench/results/soak.json and
// docs/images/soak.svg (four panels over time).
//   npm run bench -- soak [minutes=10] [recordsPerSecond=auto] [share=0.7]
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable } from 'markdown-table';
import { agreementCodec } from '@mobilecs/domain';
import { KafkaProducer } from '@mobilecs/platform';
import { repoRoot } from '../infra/src/paths';
import { residentBytes } from '../infra/src/process-control';
import { sumSamples } from '../test/support/prometheus-text';
import { TARGET_BYTES, TARGET_RECORDS, agreement, backgroundId, backgroundMsisdn, fileText, histogram, percentiles, targetId, targetMsisdn, type Percentiles } from './latency-bench';
import { linearSlope, perMinute, renderSoakSvg, type MinuteRow,
  type ServiceSample, type SoakSample } from './soak-report';
import { preparePipeline, startPipeline } from './pipeline';
import { machine } from './suite';
import { Cleanup, benchServers, cpuSeconds, round, sleep, uniqueName, waitFor, type BenchService } from './support';

export interface SoakOptions {
  minutes: number;
  /** Records/s of the soak; undefined: `share` of the measured maximum. */
  recordsPerSecond?: number;
  share: number;
  recordsPerFile: number;
  /** Subscribers below their plans that every file's records go to (the state the soak keeps). */
  background: number;
  calibrateSeconds: number;
  partitions: number;
  sampleMs: number;
}

export const defaultSoakOptions: SoakOptions = {
  minutes: 10,
  share: 0.7,
  recordsPerFile: 1000,
  background: 20_000,
  calibrateSeconds: 60,
  partitions: 6,
  sampleMs: 5000,
};

export interface SoakResult {
  measuredMaxRecordsPerSecond: number | null;
  recordsPerSecond: number;
  achievedRecordsPerSecond: number;
  minutes: MinuteRow[];
  fileToAlertMs: Percentiles;
  alertsMissing: number;
  /** Slope of the per-minute heap minima over the run's second half (MiB per minute): ~0 when nothing grows. */
  ingesterHeapSlopeMiBPerMinute: number;
  importerHeapSlopeMiBPerMinute: number;
  cpuSecondsPerRecord: { importer: number; ingester: number };
  samples: SoakSample[];
}

async function scrape(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

/** A service's numbers now (undefined while it does not answer). */
async function serviceSample(
  p: BenchService,
  port: number,
  counter: string,
): Promise<ServiceSample | undefined> {
  try {
    const text = await scrape(port);
    const gcBuckets: Record<string, number> = {};
    for (const le of ['0.001', '0.01', '0.1', '1', '2', '5'])
      gcBuckets[le] = sumSamples(text, 'nodejs_gc_duration_seconds_bucket', {
        le,
      });
    return {
      count: sumSamples(text, counter),
      heap: sumSamples(text, 'nodejs_heap_size_used_bytes'),
      rss: residentBytes(p.pid) ?? 0,
      gcSeconds: sumSamples(text, 'nodejs_gc_duration_seconds_sum'),
      gcCount: sumSamples(text, 'nodejs_gc_duration_seconds_count'),
      gcBuckets,
      cpu: cpuSeconds(p.pid),
    };
  } catch {
    return undefined;
  }
}

export async function soakBench(opts: SoakOptions = defaultSoakOptions): Promise<SoakResult> {
  const servers = await benchServers();
  const cleanup = new Cleanup();
  const log = (m: string) => console.error(`[soak] ${m}`);
  try {
    const setup = await preparePipeline(servers, cleanup, uniqueName('bench_soak'), opts.partitions);
    const { names, dir } = setup;
    const producer = await KafkaProducer.connect(servers.kafka);
    cleanup.add(() => producer.disconnect());
    const send = (as: ReturnType<typeof agreement>[]) =>
      producer.send(
        as.map((a) => ({
          topic: names.agreements,
          key: a.msisdn,
          value: agreementCodec.encode(a),
          timestamp: a.signedAt,
        })),
      );
    for (let j = 0; j < opts.background; j += 10_000) {
      await send(
        Array.from({ length: Math.min(10_000, opts.background - j) }, (_, k) =>
          agreement(backgroundId(j + k), backgroundMsisdn(j + k), 1e15),
        ),
      );
    }
    // Target agreements are sent in blocks ahead of the files that need them.
    let targetsSent = 0;
    const ensureTargets = async (upTo: number) => {
      while (targetsSent <= upTo + 200) {
        await send(Array.from({ length: 1000 }, (_, k) => agreement(targetId(targetsSent + k), targetMsisdn(targetsSent + k), TARGET_RECORDS * TARGET_BYTES)));
        targetsSent += 1000;
      }
    };
    await ensureTargets(0);

    const { importer, ingester, importerPort, ingesterPort, arrived } = await startPipeline(servers, cleanup, setup);
    let nextFile = 0;
    const landed: number[] = [];
    const drop = async () => {
      const i = nextFile++;
      await ensureTargets(i);
      const tmp = join(dir, `tmp_soak_${i}`);
      writeFileSync(tmp, fileText(i, opts.recordsPerFile, opts.background));
      renameSync(tmp, join(dir, `soak_${i}.csv`));
      landed[i] = Date.now();
    };
    const matched = async () => sumSamples(await scrape(ingesterPort), 'ingester_records_matched_total');

    // 1. The maximum: files as fast as the importer takes them (at most 4 waiting), the
    //    ingester's committed records/s over the calibration's second half.
    let measuredMax: number | null = null;
    let rate = opts.recordsPerSecond;
    if (rate === undefined) {
      log(`measuring the maximum for ${opts.calibrateSeconds} s`);
      const end = Date.now() + opts.calibrateSeconds * 1000;
      const half = Date.now() + (opts.calibrateSeconds * 1000) / 2;
      let mark: { at: number; n: number } | undefined;
      while (Date.now() < end) {
        const queued = sumSamples(await scrape(importerPort), 'importer_files_queued');
        if (queued < 4) await drop();
        else await sleep(20);
        if (!mark && Date.now() >= half) mark = { at: Date.now(), n: await matched() };
      }
      measuredMax = Math.round((((await matched()) - mark!.n) * 1000) / (Date.now() - mark!.at));
      rate = Math.round(measuredMax * opts.share);
      const sent = nextFile * opts.recordsPerFile;
      log(`maximum ${measuredMax} records/s; soak at ${rate}; draining the backlog`);
      await waitFor('the backlog drained', async () => ((await matched()) >= sent ? true : undefined), 600_000, 500);
    }
    const firstSoakFile = nextFile;

    // 2. The soak.
    const samples: SoakSample[] = [];
    const t0 = Date.now();
    const baseCount = { importer: 0, ingester: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [imp, ing] = await Promise.all([
          serviceSample(importer, importerPort, 'importer_records_published_total'),
          serviceSample(ingester, ingesterPort, 'ingester_records_matched_total'),
        ]);
        if (imp && ing) {
          if (samples.length === 0)
            Object.assign(baseCount, {
              importer: imp.count,
              ingester: ing.count,
            });
          samples.push({
            t: (Date.now() - t0) / 1000,
            importer: imp,
            ingester: ing,
          });
        }
        await sleep(opts.sampleMs);
      }
    })();
    const intervalMs = (1000 * opts.recordsPerFile) / rate;
    const soakFiles = Math.round((opts.minutes * 60_000) / intervalMs);
    log(`${soakFiles} files of ${opts.recordsPerFile} records, one every ${intervalMs.toFixed(1)} ms`);
    for (let k = 0; k < soakFiles; k++) {
      await sleep(Math.max(0, t0 + k * intervalMs - Date.now()));
      await drop();
      if (k > 0 && k % Math.round(60_000 / intervalMs) === 0) log(`minute ${Math.round((Date.now() - t0) / 60_000)}: ${arrived.size} alerts so far`);
    }
    const soakEnd = Date.now();
    await waitFor('the last alerts', () => (arrived.size >= nextFile ? true : undefined), 60_000, 200).catch(() => undefined);
    sampling = false;
    await sampler;
    const cpu = {
      importer: samples.at(-1)!.importer.cpu - samples[0]!.importer.cpu,
      ingester: samples.at(-1)!.ingester.cpu - samples[0]!.ingester.cpu,
    };
    const records = samples.at(-1)!.ingester.count - baseCount.ingester;
    await Promise.all([importer.kill('SIGTERM'), ingester.kill('SIGTERM')]);

    // Per minute of the soak: files by the minute they landed.
    const files = Array.from({ length: nextFile - firstSoakFile }, (_, k) => firstSoakFile + k).map((i) => ({
      at: (landed[i]! - t0) / 1000,
      latencyMs: arrived.has(targetId(i)) ? arrived.get(targetId(i))! - landed[i]! : null,
    }));
    const minutes = perMinute(samples, files, opts.minutes);
    const all = histogram();
    for (const f of files) if (f.latencyMs !== null) all.recordValue(Math.max(1, f.latencyMs));
    const secondHalf = minutes.slice(Math.floor(minutes.length / 2));
    const result: SoakResult = {
      measuredMaxRecordsPerSecond: measuredMax,
      recordsPerSecond: rate,
      achievedRecordsPerSecond: Math.round((soakFiles * opts.recordsPerFile * 1000) / (soakEnd - t0)),
      minutes,
      fileToAlertMs: percentiles(all),
      alertsMissing: files.filter((f) => f.latencyMs === null).length,
      ingesterHeapSlopeMiBPerMinute: round(linearSlope(secondHalf.map((m) => [m.minute, m.ingesterHeapMiB.min])), 2),
      importerHeapSlopeMiBPerMinute: round(linearSlope(secondHalf.map((m) => [m.minute, m.importerHeapMiB.min])), 2),
      cpuSecondsPerRecord: {
        importer: cpu.importer / Math.max(1, records),
        ingester: cpu.ingester / Math.max(1, records),
      },
      samples,
    };
    const machineInfo = await machine();
    mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(repoRoot, 'bench', 'results', 'soak.json'),
      `${JSON.stringify({ at: new Date().toISOString(), machine: machineInfo, options: opts, ...result }, null, 2)}\n`,
    );
    mkdirSync(join(repoRoot, 'docs', 'images'), { recursive: true });
    writeFileSync(
      join(repoRoot, 'docs', 'images', 'soak.svg'),
      await renderSoakSvg(result, soakTitle(opts, result, machineInfo)),
    );
    console.error(
      markdownTable([
        ['minute', 'records/s', 'files', 'p50 ms', 'p99 ms', 'max ms', 'missing', 'ingester heap MiB', 'importer heap MiB', 'GC pause ms (ingester / importer)'],
        ...minutes.map((m) => [
          String(m.minute),
          String(m.recordsPerSecond),
          String(m.files),
          String(m.fileToAlertMs.p50),
          String(m.fileToAlertMs.p99),
          String(m.fileToAlertMs.max),
          String(m.alertsMissing),
          `${m.ingesterHeapMiB.min}–${m.ingesterHeapMiB.max}`,
          `${m.importerHeapMiB.min}–${m.importerHeapMiB.max}`,
          `${m.ingesterGcPauseMs} / ${m.importerGcPauseMs}`,
        ]),
      ]),
    );
    console.error('written: bench/results/soak.json, docs/images/soak.svg');
    return result;
  } finally {
    await cleanup.run(servers);
  }
}

const SOAK_JSON = join(repoRoot, 'bench', 'results', 'soak.json');
const SOAK_SVG = join(repoRoot, 'docs', 'images', 'soak.svg');

function soakTitle(opts: SoakOptions, r: Pick<SoakResult, 'recordsPerSecond' | 'measuredMaxRecordsPerSecond'>, m: { cpuModel: string; cores: number; node: string }): string {
  return `${opts.minutes}-minute soak at ${r.recordsPerSecond} records/s (${Math.round(opts.share * 100)} % of ${r.measuredMaxRecordsPerSecond ?? '?'} measured), ${m.cpuModel}, ${m.cores} cores, Node ${m.node}`;
}

/** Draws docs/images/soak.svg again from bench/results/soak.json (a chart change without a new 10-minute run). */
export async function redrawSoakChart(): Promise<string> {
  const saved = JSON.parse(readFileSync(SOAK_JSON, 'utf8')) as SoakResult & { options: SoakOptions; machine: { cpuModel: string; cores: number; node: string } };
  writeFileSync(SOAK_SVG, await renderSoakSvg(saved, soakTitle(saved.options, saved, saved.machine)));
  return SOAK_SVG;
}
