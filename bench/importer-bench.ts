// Importer throughput and memory: writes a data-record file of the requested size, runs
// the real importer (child process) against the local or configured Kafka, and reports
// lines per second into a committed topic and the importer's peak resident memory.
//   npm run bench -- importer [sizeMiB=100]
import { createWriteStream, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { KafkaAdmin } from '@mobilecs/platform';
import { repoRoot } from '../infra/src/paths';
import { kafkaBrokers, startLocalInfra } from '../infra/src/index';

function rssBytes(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function writeFile(path: string, sizeBytes: number): Promise<number> {
  const out = createWriteStream(path);
  const start = Date.UTC(2020, 0, 1, 23);
  let written = 0;
  let lines = 0;
  while (written < sizeBytes) {
    const chunk: string[] = [];
    for (let i = 0; i < 10_000; i++, lines++) {
      const at = new Date(start + (lines % 2_000_000) * 1000).toISOString().replace('.000Z', 'Z');
      chunk.push(`00000000-0000-4000-8000-${lines.toString(16).padStart(12, '0')};${at};4860${String(lines % 1000).padStart(7, '0')};${1000 + (lines % 99_999)}`);
    }
    const text = `${chunk.join('\n')}\n`;
    written += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return lines;
}

export async function importerBench(sizeMiB: number): Promise<Record<string, number | string>> {
  if (!process.env.KAFKA_BROKERS) await startLocalInfra(() => undefined, { kafka: true, cassandra: false });
  const brokers = process.env.KAFKA_BROKERS ?? kafkaBrokers.join(',');
  const dir = mkdtempSync(join(tmpdir(), 'mobilecs-bench-'));
  const tag = `bench_${Date.now().toString(36)}`;
  const lines = await writeFile(join(dir, 'tmp_bench'), sizeMiB * 1024 * 1024);
  const env = {
    ...process.env,
    KAFKA_BROKERS: brokers,
    INCOMING_DATA_RECORDS_DIR: dir,
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    TOPIC_PARTITIONS: '6',
    IMPORTER_TRANSACTIONAL_ID: tag,
    ...Object.fromEntries(
      ['AGREEMENTS', 'INCOMING_DATA_RECORDS', 'DATA_RECORDS_AGGREGATES', 'DEAD_LETTERS', 'DATA_RECORDS_LATE', 'IMPORTER_PROGRESS'].map((t) => [`TOPIC_${t}`, `${tag}.${t.toLowerCase()}`]),
    ),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'services/importer/src/main.ts')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(child.pid!))), 200);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  // Start timing when the file lands (the importer is already running and ready).
  const ready = Date.now();
  while (!/importer ready/.test(output) && Date.now() - ready < 120_000) await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  renameSync(join(dir, 'tmp_bench'), join(dir, 'bench.csv'));
  while (!/imported bench.csv/.test(output) && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  child.kill('SIGTERM');
  await once(child, 'exit');
  const admin = await KafkaAdmin.connect({ brokers: brokers.split(','), clientId: 'bench' });
  await admin.deleteTopics(Object.entries(env).filter(([k]) => k.startsWith('TOPIC_')).map(([, v]) => String(v))).catch(() => undefined);
  await admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
  return { fileMiB: sizeMiB, lines, seconds: Number(seconds.toFixed(1)), linesPerSecond: Math.round(lines / seconds), peakRssMiB: Math.round(peak / 1048576) };
}
