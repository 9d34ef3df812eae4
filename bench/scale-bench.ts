// A million subscribers on one ingester (issue 17): N agreements and one month of records
// (an open January window each), then
//   1. throughput while the state grows (records/s per tenth of the windows opened) and
//      at full state (a second record per subscriber);
//   2. heap and resident memory per subscriber (after full GCs, against the empty instance);
//   3. SIGKILL of that instance (local snapshots at most one interval old, a tail of
//      changes after them, records still arriving) and a new process in its place: time to
//      its first commit and until every partition is restored, from the kill and from the
//      process start; what the restore read;
//   4. a second instance joining: time until it commits on the partitions it takes over
//      (restored from the changelog: it has no snapshots).
// A trickle of records (TRICKLE per second, January, existing subscribers) runs from the
// end of the load to the end, so each instance always has input to commit.
//   npm run bench -- scale [subscribers=1000000] [partitions=6]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agreementCodec, importedRecordCodec, type ImportedRecord } from '@mobilecs/domain';
import { subscriberAgreement, subscriberRecord } from './subscribers';
import { KafkaProducer, ensureTopics } from '@mobilecs/platform';
import { settledMemory } from './memory-bench';
import {
  Cleanup,
  MiB,
  benchServers,
  ingesterEnv,
  logLines,
  round,
  scrapeMetric,
  servicePort,
  sleep,
  startService,
  topicList,
  topicNames,
  uniqueName,
  waitFor,
  type BenchService,
} from './support';

const TRICKLE = 200;
const SEND_CHUNK = 10_000;

export interface ThroughputSlice {
  /** Open windows at the start and the end of the slice. */
  windowsFrom: number;
  windowsTo: number;
  recordsPerSecond: number;
}

export interface ScaleResult {
  subscribers: number;
  partitions: number;
  load: {
    /** Agreements read (backfill, before the records) per second. */
    agreementsPerSecond: number;
    /** First pass: one record per subscriber, each opening its window; per tenth of the windows. */
    growing: ThroughputSlice[];
    /** Second pass: one more record per subscriber, every window already in state. */
    fullStateRecordsPerSecond: number;
  };
  memory: {
    baselineRssMiB: number;
    rssMiB: number;
    baselineHeapMiB: number;
    heapMiB: number;
    rssBytesPerSubscriber: number;
    heapBytesPerSubscriber: number;
  };
  /** The snapshot writes after the load until every partition had one (before the kill): entries, bytes, time on the hot path, in the background. */
  snapshot: {
    writes: number;
    entries: number;
    bytes: number;
    takeMs: number;
    encodeMs: number;
    writeMs: number;
  };
  sigkill: {
    sessionTimeoutMs: number;
    killToStartMs: number;
    /** New process start → partitions assigned (the group waits for the dead member's session to expire). */
    startToAssignedMs: number;
    startToFirstCommitMs: number;
    startToAllRestoredMs: number;
    killToFirstCommitMs: number;
    killToAllRestoredMs: number;
    /** First restore pass (one partition) and the second (the others), as logged. */
    restorePassesMs: number[];
    fromSnapshots: number;
    fromChangelog: number;
  };
  takeover: {
    /** Second instance start → its first commit / every partition it took restored. */
    startToFirstCommitMs: number;
    startToAllRestoredMs: number;
    partitionsTaken: number[];
    fromChangelog: number;
  };
}


interface Sample {
  at: number;
  matched: number;
  windows: number;
}

/** Metrics of a running ingester, or undefined while it does not answer (busy or starting). */
async function sample(port: number): Promise<Sample | undefined> {
  try {
    const [matched, windows] = await Promise.all([scrapeMetric(port, 'ingester_records_matched_total'), scrapeMetric(port, 'ingester_windows_open')]);
    return { at: performance.now(), matched, windows };
  } catch {
    return undefined;
  }
}

/**
 * Records/s per tenth of the first pass (each of its records opens a window, so record
 * k·N/10 is where the state holds k·N/10 windows), from samples of the matched count.
 */
export function slicesByWindows(samples: readonly Sample[], target: number): ThroughputSlice[] {
  const at = (count: number) => samples.find((s) => s.matched >= count);
  const out: ThroughputSlice[] = [];
  for (let k = 0; k < 10; k++) {
    const a = k === 0 ? samples[0] : at((k * target) / 10);
    const b = at(((k + 1) * target) / 10);
    if (!a || !b || b.at <= a.at) continue;
    out.push({
      windowsFrom: Math.round(a.matched),
      windowsTo: Math.round(b.matched),
      recordsPerSecond: Math.round(((b.matched - a.matched) * 1000) / (b.at - a.at)),
    });
  }
  return out;
}


const logTime = (p: BenchService, msg: string, after = 0): number | undefined => logLines<{ time?: number }>(p.lines).find((l) => l.msg === msg && (l.time ?? 0) >= after)?.time;

export async function scaleBench(subscribers = 1_000_000, partitions = 6): Promise<ScaleResult> {
  const servers = await benchServers();
  const cleanup = new Cleanup();
  const tag = uniqueName('bench_scale');
  const names = topicNames(tag);
  cleanup.topic(...topicList(names), `${tag}.changelog`);
  cleanup.keyspace(tag);
  const stateDir = await mkdtemp(join(tmpdir(), 'bench-scale-state-'));
  cleanup.add(() => rm(stateDir, { recursive: true, force: true }));
  const log = (m: string) => console.error(`[scale] ${m}`);
  let trickle: NodeJS.Timeout | undefined;
  cleanup.add(() => clearInterval(trickle));
  try {
    await ensureTopics(servers.kafka, {
      names,
      inputPartitions: partitions,
      outputPartitions: partitions,
      replicationFactor: 1,
    });
    const producer = await KafkaProducer.connect(servers.kafka);
    cleanup.add(() => producer.disconnect());
    let next = 0;
    const sendRecords = (rs: ImportedRecord[]) =>
      producer.send(
        rs.map((r) => ({
          topic: names.incomingDataRecords,
          key: r.msisdn,
          value: importedRecordCodec.encode(r),
          timestamp: r.recordedAt,
        })),
      );
    const pass = async () => {
      for (let from = 0; from < subscribers; from += SEND_CHUNK)
        await sendRecords(Array.from({ length: Math.min(SEND_CHUNK, subscribers - from) }, (_, k) => subscriberRecord(from + k, next++)));
    };

    const sessionTimeoutMs = 10_000;
    const env = {
      ...ingesterEnv(servers, names, tag, partitions),
      INGESTER_TICK_MS: '250',
      INGESTER_STATE_DIR: stateDir,
      // Snapshots at most a minute old once the state is steady (the default is 5 minutes).
      INGESTER_SNAPSHOT_INTERVAL_MS: '60000',
      INGESTER_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
    };
    const first = cleanup.process(startService('ingester', env, { inspect: true }));
    const port = await servicePort(first, 'ingester');
    await waitFor('partitions assigned', () => (logTime(first, 'partitions assigned') !== undefined ? true : undefined), 120_000, 100);
    await sleep(1000);
    const before = await settledMemory(first, port);
    log(`empty instance: heap ${round(before.heap / MiB, 1)} MiB, RSS ${round(before.rss / MiB, 1)} MiB; sending ${subscribers} agreements`);

    // Agreements: the instance reads them as they come (its records are still to come).
    const t0 = performance.now();
    for (let from = 0; from < subscribers; from += SEND_CHUNK) {
      const as = Array.from({ length: Math.min(SEND_CHUNK, subscribers - from) }, (_, k) => subscriberAgreement(from + k));
      await producer.send(
        as.map((a) => ({
          topic: names.agreements,
          key: a.msisdn,
          value: agreementCodec.encode(a),
          timestamp: a.signedAt,
        })),
      );
    }
    await waitFor(
      `${subscribers} agreements read`,
      async () =>
        (await scrapeMetric(port, 'ingester_messages_in_total', {
          topic: 'agreements',
        }).catch(() => 0)) >= subscribers
          ? true
          : undefined,
      1_800_000,
      200,
    );
    const agreementsPerSecond = Math.round((subscribers * 1000) / (performance.now() - t0));
    log(`agreements: ${agreementsPerSecond}/s; first pass of records`);

    // First pass: sampled from before the first record is sent until every window is open.
    const samples: Sample[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const s = await sample(port);
        if (s) samples.push(s);
        await sleep(200);
      }
    })();
    await pass();
    await waitFor(
      `${subscribers} windows`,
      () => {
        const s = samples.at(-1);
        return s && s.matched >= subscribers && s.windows >= subscribers ? true : undefined;
      },
      1_800_000,
      200,
    );
    sampling = false;
    await sampler;
    const growing = slicesByWindows(samples, subscribers);
    log(`growing: ${growing.map((g) => g.recordsPerSecond).join(', ')} records/s; second pass`);
    const t1 = performance.now();
    await pass();
    await waitFor(`${2 * subscribers} records`, async () => (((await sample(port))?.matched ?? 0) >= 2 * subscribers ? true : undefined), 1_800_000, 200);
    const fullStateRecordsPerSecond = Math.round((subscribers * 1000) / (performance.now() - t1));
    log(`full state: ${fullStateRecordsPerSecond} records/s`);

    // The trickle: input to commit from now on, also while instances restart.
    let sending = false;
    trickle = setInterval(() => {
      if (sending) return;
      sending = true;
      const batch = Array.from({ length: TRICKLE / 5 }, () => subscriberRecord(Math.floor(Math.random() * subscribers), next++));
      void sendRecords(batch).finally(() => (sending = false));
    }, 200);

    // Steady state: wait for a snapshot of every partition taken after the load, then let a tail build up.
    const loaded = Date.now();
    type Written = {
      time?: number;
      entries?: number;
      bytes?: number;
      takeMs?: number;
      encodeMs?: number;
      writeMs?: number;
      snapshots?: { partition: number }[];
    };
    // Partitions come due at different moments: the writes after the load until each partition has one.
    const written = await waitFor(
      'a snapshot of every partition written after the load',
      () => {
        const ws = logLines<Written>(first.lines).filter((l) => l.msg?.startsWith('local snapshots written') && (l.time ?? 0) > loaded);
        const covered = new Set(ws.flatMap((w) => (w.snapshots ?? []).map((x) => x.partition)));
        if (covered.size < partitions) return undefined;
        const sum = (f: (w: Written) => number | undefined) => ws.reduce((n, w) => n + (f(w) ?? 0), 0);
        return {
          writes: ws.length,
          entries: sum((w) => w.entries),
          bytes: sum((w) => w.bytes),
          takeMs: sum((w) => w.takeMs),
          encodeMs: sum((w) => w.encodeMs),
          writeMs: sum((w) => w.writeMs),
        };
      },
      600_000,
      500,
    );
    // Memory now: right after the snapshots (none being taken or encoded); the trickle adds no window.
    const after = await settledMemory(first, port);
    log(`heap ${round(after.heap / MiB, 1)} MiB, RSS ${round(after.rss / MiB, 1)} MiB`);
    await sleep(5000);
    log(`snapshot: ${written.entries} entries, ${written.bytes} bytes; SIGKILL`);

    // 3: SIGKILL, then a new process in its place.
    const killedAt = Date.now();
    await first.kill('SIGKILL');
    const startedAt = Date.now();
    const restarted = cleanup.process(startService('ingester', env));
    const rPort = await servicePort(restarted, 'ingester');
    const firstCommitAt = await firstCommitTime(rPort);
    await waitFor('every partition restored', () => logTime(restarted, 'every assigned partition restored'), 600_000, 50);
    const rLines = logLines<{
      time?: number;
      records?: number;
      fromSnapshots?: number;
      ms?: number;
    }>(restarted.lines);
    const restores = rLines.filter((l) => l.msg === 'state restored from the changelog');
    const sigkill = {
      sessionTimeoutMs,
      killToStartMs: startedAt - killedAt,
      startToAssignedMs: (logTime(restarted, 'partitions assigned') ?? Number.NaN) - startedAt,
      startToFirstCommitMs: firstCommitAt - startedAt,
      startToAllRestoredMs: logTime(restarted, 'every assigned partition restored')! - startedAt,
      killToFirstCommitMs: firstCommitAt - killedAt,
      killToAllRestoredMs: logTime(restarted, 'every assigned partition restored')! - killedAt,
      restorePassesMs: restores.map((l) => l.ms ?? Number.NaN),
      fromSnapshots: restores.reduce((n, l) => n + (l.fromSnapshots ?? 0), 0),
      fromChangelog: restores.reduce((n, l) => n + (l.records ?? 0), 0),
    };
    log(`restart: ${JSON.stringify(sigkill)}`);

    // 4: a second instance takes over half the partitions (no snapshots of its own).
    const takeoverAt = Date.now();
    const second = cleanup.process(startService('ingester', { ...env, INGESTER_STATE_DIR: '' }));
    const sPort = await servicePort(second, 'ingester');
    const secondCommit = await firstCommitTime(sPort);
    await waitFor('every partition of the second instance restored', () => logTime(second, 'every assigned partition restored'), 600_000, 50);
    const sRestores = logLines<{ partitions?: number[]; records?: number }>(second.lines).filter((l) => l.msg === 'state restored from the changelog');
    const takeover = {
      startToFirstCommitMs: secondCommit - takeoverAt,
      startToAllRestoredMs: logTime(second, 'every assigned partition restored')! - takeoverAt,
      partitionsTaken: sRestores.flatMap((l) => l.partitions ?? []).sort((a, b) => a - b),
      fromChangelog: sRestores.reduce((n, l) => n + (l.records ?? 0), 0),
    };
    log(`takeover: ${JSON.stringify(takeover)}`);
    clearInterval(trickle);
    await Promise.all([restarted.kill('SIGTERM'), second.kill('SIGTERM')]);
    return {
      subscribers,
      partitions,
      load: { agreementsPerSecond, growing, fullStateRecordsPerSecond },
      memory: {
        baselineRssMiB: round(before.rss / MiB, 1),
        rssMiB: round(after.rss / MiB, 1),
        baselineHeapMiB: round(before.heap / MiB, 1),
        heapMiB: round(after.heap / MiB, 1),
        rssBytesPerSubscriber: Math.round((after.rss - before.rss) / subscribers),
        heapBytesPerSubscriber: Math.round((after.heap - before.heap) / subscribers),
      },
      snapshot: {
        writes: written.writes,
        entries: written.entries,
        bytes: written.bytes,
        takeMs: round(written.takeMs, 1),
        encodeMs: round(written.encodeMs, 1),
        writeMs: round(written.writeMs, 1),
      },
      sigkill,
      takeover,
    };
  } finally {
    await cleanup.run(servers);
  }
}

/** When an instance first committed: its metrics polled 20 ms apart (the wall clock of the first poll that saw it). */
function firstCommitTime(port: number): Promise<number> {
  return waitFor('a commit', async () => ((await scrapeMetric(port, 'ingester_transaction_commit_seconds_count').catch(() => 0)) >= 1 ? Date.now() : undefined), 600_000, 20);
}
