// Ingester memory per open window: one ingester (child process) first gets a few
// agreements with one record each (the baseline), then many more; after each step,
// once its open-window count is reached, its resident
// memory (/proc/<pid>/status) and V8 heap used (its /metrics) are read right after
// full garbage collections forced through the inspector. Bytes per
// window = growth / windows added. Each window here comes with its agreement (matching
// state), as in production.
//   npm run bench -- memory [agreements=100000] [baseline=1000]
import { agreementCodec, importedRecordCodec, toImportedRecord, type Agreement } from '@mobilecs/domain';
import { KafkaProducer, ensureTopics } from '@mobilecs/platform';
import { residentBytes } from '../infra/src/process-control';
import { Cleanup, MiB, topicList, topicNames, type BenchService, benchServers, round, scrapeMetric, ingesterEnv, servicePort, sleep, startService, uniqueName, waitFor } from './support';

export interface MemoryResult {
  baselineWindows: number;
  windows: number;
  baselineRssMiB: number;
  rssMiB: number;
  baselineHeapMiB: number;
  heapMiB: number;
  rssBytesPerWindow: number;
  heapBytesPerWindow: number;
  /** The dashboard's pages over this state, answered by the one instance: median / p95 ms of 20 requests each. */
  pageMs: Record<string, { median: number; p95: number }>;
}

/** Median and p95 of 20 timed GETs of `path` (the answer must be a 200). */
async function timePage(port: number, path: string): Promise<{ median: number; p95: number }> {
  const ms: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: round(ms[10]!, 1), p95: round(ms[18]!, 1) };
}

const ZONE = 'Europe/Warsaw';
const agreement = (i: number): Agreement => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  msisdn: `4874${String(i).padStart(7, '0')}`,
  signedAt: Date.UTC(2019, 10, 1),
  serviceStartAt: Date.UTC(2019, 11, 1),
  billingPeriodTimeZone: ZONE,
  maxBytesInBillingPeriod: 5_368_709_120n,
});

/** Resident memory and heap used right after full garbage collections (what the process really holds). */
export async function settledMemory(service: BenchService, port: number): Promise<{ rss: number; heap: number }> {
  // Twice: the first collection's finalizers may free more for the second.
  await service.collectGarbage();
  await service.collectGarbage();
  await sleep(500);
  return { rss: residentBytes(service.pid) ?? 0, heap: await scrapeMetric(port, 'nodejs_heap_size_used_bytes') };
}

export async function memoryBench(total = 100_000, baseline = 1000): Promise<MemoryResult> {
  const servers = await benchServers();
  const cleanup = new Cleanup();
  const tag = uniqueName('bench_memory');
  const names = topicNames(tag);
  cleanup.topic(...topicList(names), `${tag}.changelog`);
  cleanup.keyspace(tag);
  try {
    await ensureTopics(servers.kafka, { names, inputPartitions: 6, outputPartitions: 6, replicationFactor: 1 });
    const producer = await KafkaProducer.connect(servers.kafka);
    cleanup.add(() => producer.disconnect());
    // One record per agreement in January 2020: one open window each, none reaching its plan.
    const load = async (from: number, to: number) => {
      const as = Array.from({ length: to - from }, (_, k) => agreement(from + k));
      await producer.send(as.map((a) => ({ topic: names.agreements, key: a.msisdn, value: agreementCodec.encode(a), timestamp: a.signedAt })));
      const records = as.map((a, k) => toImportedRecord({ externalId: `10000000-0000-4000-8000-${String(from + k).padStart(12, '0')}`, recordedAt: Date.UTC(2020, 0, 2) + (from + k), msisdn: a.msisdn, recordedBytes: 1000n }));
      await producer.send(records.map((r) => ({ topic: names.incomingDataRecords, key: r.msisdn, value: importedRecordCodec.encode(r), timestamp: r.recordedAt })));
    };
    await load(0, baseline);
    const ingester = cleanup.process(
      startService('ingester', {
        ...ingesterEnv(servers, names, tag, 6),
        // Only how often the open-window gauge is refreshed.
        INGESTER_TICK_MS: '250',
      }, { inspect: true }),
    );
    const port = await servicePort(ingester, 'ingester');
    const windowsAtLeast = (n: number) => async () => {
      const w = await scrapeMetric(port, 'ingester_windows_open');
      return w >= n ? w : undefined;
    };
    const baselineWindows = await waitFor(`${baseline} open windows`, windowsAtLeast(baseline), 120_000, 250);
    const before = await settledMemory(ingester, port);
    await load(baseline, total);
    const windows = await waitFor(`${total} open windows`, windowsAtLeast(total), 300_000, 250);
    const after = await settledMemory(ingester, port);
    const pageMs: MemoryResult['pageMs'] = {};
    for (const path of [
      '/api/subscribers?limit=50&sort=percent',
      '/api/subscribers?limit=50&offset=5000&sort=msisdn&order=asc',
      '/api/subscribers?limit=50&q=48740001',
      `/api/usage/${agreement(total - 1).id}`,
    ]) {
      pageMs[path] = await timePage(port, path);
    }
    await ingester.kill('SIGTERM');
    const added = windows - baselineWindows;
    return {
      baselineWindows,
      windows,
      baselineRssMiB: round(before.rss / MiB, 1),
      rssMiB: round(after.rss / MiB, 1),
      baselineHeapMiB: round(before.heap / MiB, 1),
      heapMiB: round(after.heap / MiB, 1),
      rssBytesPerWindow: Math.round((after.rss - before.rss) / added),
      heapBytesPerWindow: Math.round((after.heap - before.heap) / added),
      pageMs,
    };
  } finally {
    await cleanup.run(servers);
  }
}
