// Restart to first commit, with and without local snapshots (INGESTER_STATE_DIR). One
// ingester builds the state of N subscribers (an agreement and one open window each, as
// memory-bench), then stops gracefully, which writes its snapshots. Then, alternately,
// a fresh process restarts without snapshots (the whole changelog is read) and with them
// (only the changelog after them); before each start one more record is sent, and the
// time measured is from the process start to its first committed transaction
// (ingester_transaction_commit_seconds_count ≥ 1): start-up, group join, restore and
// the first batch.
// `versions` records per subscriber, sent in rounds, write each window key that many
// times into the changelog (compaction has not run on a young topic), as in production
// where every record rewrites its window.
//   npm run bench -- restart [subscribers=100000] [rounds=2] [versions=3]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agreementCodec, importedRecordCodec, type ImportedRecord } from '@mobilecs/domain';
import { subscriberAgreement, subscriberRecord } from './subscribers';
import { KafkaProducer, ensureTopics } from '@mobilecs/platform';
import { Cleanup, benchServers, logLines, ingesterEnv, round, scrapeMetric, servicePort, startService, topicList, topicNames, uniqueName, waitFor } from './support';

export interface RestartRun {
  snapshots: boolean;
  /** Process start to its first committed transaction (the first partition restored processes at once). */
  toFirstCommitMs: number;
  /** Process start to every assigned partition restored (the watermark moves again). */
  toAllRestoredMs: number;
  /** Entries read from the changelog / loaded from local snapshots by the restore. */
  changelogEntries: number;
  snapshotEntries: number;
  /** From the group assignment to every partition's state restored (log times): fencing, snapshot load, changelog read. */
  restoreMs: number;
}

export interface RestartResult {
  subscribers: number;
  partitions: number;
  /** Snapshot written at the graceful stop: state taken + encoded inside the ingester's work (the hot path), and the files written and synced. */
  versions: number;
  snapshotTakeMs: number;
  snapshotEncodeMs: number;
  snapshotWriteMs: number;
  snapshotBytes: number;
  runs: RestartRun[];
  medianWithoutMs: number;
  medianWithMs: number;
  medianAllRestoredWithoutMs: number;
  medianAllRestoredWithMs: number;
}


const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function restartBench(subscribers = 100_000, rounds = 2, versions = 3): Promise<RestartResult> {
  const partitions = 6;
  const servers = await benchServers();
  const cleanup = new Cleanup();
  const tag = uniqueName('bench_restart');
  const names = topicNames(tag);
  cleanup.topic(...topicList(names), `${tag}.changelog`);
  cleanup.keyspace(tag);
  const stateDir = await mkdtemp(join(tmpdir(), 'bench-restart-state-'));
  cleanup.add(() => rm(stateDir, { recursive: true, force: true }));
  try {
    await ensureTopics(servers.kafka, { names, inputPartitions: partitions, outputPartitions: partitions, replicationFactor: 1 });
    const producer = await KafkaProducer.connect(servers.kafka);
    cleanup.add(() => producer.disconnect());
    let next = 0;
    const sendRecords = (rs: ImportedRecord[]) => producer.send(rs.map((r) => ({ topic: names.incomingDataRecords, key: r.msisdn, value: importedRecordCodec.encode(r), timestamp: r.recordedAt })));
    for (let from = 0; from < subscribers; from += 10_000) {
      const as = Array.from({ length: Math.min(10_000, subscribers - from) }, (_, k) => subscriberAgreement(from + k));
      await producer.send(as.map((a) => ({ topic: names.agreements, key: a.msisdn, value: agreementCodec.encode(a), timestamp: a.signedAt })));
    }
    for (let v = 0; v < versions; v++) {
      for (let from = 0; from < subscribers; from += 10_000) await sendRecords(Array.from({ length: Math.min(10_000, subscribers - from) }, (_, k) => subscriberRecord(from + k, next++)));
    }
    // No snapshot while running: the one written at the graceful stop is measured.
    const env = { ...ingesterEnv(servers, names, tag, partitions), INGESTER_TICK_MS: '250', INGESTER_SNAPSHOT_INTERVAL_MS: '86400000', INGESTER_SNAPSHOT_MIN_CHANGES: '100000000' };
    const builder = cleanup.process(startService('ingester', { ...env, INGESTER_STATE_DIR: stateDir }));
    const port = await servicePort(builder, 'ingester');
    // A scrape may fail while the instance is busy; its death ends the wait with its last lines.
    await waitFor(
      `${subscribers * versions} records matched`,
      async () => {
        const matched = await scrapeMetric(port, 'ingester_records_matched_total').catch(async (err: unknown) => {
          if ((await Promise.race([builder.waitForExit().then(() => true), new Promise((r) => setTimeout(() => r(false), 100))])) === true) throw new Error(`the ingester exited:\n${builder.tail(40)}`, { cause: err });
          return 0;
        });
        return matched >= subscribers * versions ? true : undefined;
      },
      900_000,
      250,
    );
    await builder.kill('SIGTERM');
    const written = logLines<{ takeMs?: number; encodeMs?: number; writeMs?: number; bytes?: number }>(builder.lines).findLast((l) => l.msg?.startsWith('local snapshots written'));
    if (!written) throw new Error(`no snapshot written at the graceful stop:\n${builder.tail()}`);

    const runs: RestartRun[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const snapshots of [false, true]) {
        await sendRecords([subscriberRecord(r % subscribers, next++)]);
        const started = performance.now();
        const startedWall = Date.now();
        const p = cleanup.process(startService('ingester', { ...env, INGESTER_STATE_DIR: snapshots ? stateDir : '' }));
        const pPort = await servicePort(p, 'ingester');
        // A restore blocks the event loop for seconds: a scrape cut then is just retried.
        await waitFor('the first commit', async () => ((await scrapeMetric(pPort, 'ingester_transaction_commit_seconds_count').catch(() => 0)) >= 1 ? true : undefined), 600_000, 20);
        const toFirstCommitMs = performance.now() - started;
        const allRestored = await p.waitForLog(/"msg":"every assigned partition restored"/, 600_000);
        const lines = logLines<{ records?: number; fromSnapshots?: number; time?: number }>(p.lines);
        const restores = lines.filter((l) => l.msg === 'state restored from the changelog');
        const restore = { records: restores.reduce((n, l) => n + (l.records ?? 0), 0), fromSnapshots: restores.reduce((n, l) => n + (l.fromSnapshots ?? 0), 0), time: restores.at(-1)?.time };
        const assigned = lines.find((l) => l.msg === 'partitions assigned');
        runs.push({
          snapshots,
          toFirstCommitMs: Math.round(toFirstCommitMs),
          toAllRestoredMs: (JSON.parse(allRestored) as { time: number }).time - startedWall,
          changelogEntries: restore?.records ?? -1,
          snapshotEntries: restore?.fromSnapshots ?? -1,
          restoreMs: (restore?.time ?? Number.NaN) - (assigned?.time ?? Number.NaN),
        });
        // A graceful stop: with snapshots it refreshes them (the extra record), as in production.
        await p.kill('SIGTERM');
      }
    }
    return {
      subscribers,
      partitions,
      versions,
      snapshotTakeMs: round(written.takeMs ?? Number.NaN, 1),
      snapshotEncodeMs: round(written.encodeMs ?? Number.NaN, 1),
      snapshotWriteMs: round(written.writeMs ?? Number.NaN, 1),
      snapshotBytes: written.bytes ?? 0,
      runs,
      medianWithoutMs: median(runs.filter((x) => !x.snapshots).map((x) => x.toFirstCommitMs)),
      medianWithMs: median(runs.filter((x) => x.snapshots).map((x) => x.toFirstCommitMs)),
      medianAllRestoredWithoutMs: median(runs.filter((x) => !x.snapshots).map((x) => x.toAllRestoredMs)),
      medianAllRestoredWithMs: median(runs.filter((x) => x.snapshots).map((x) => x.toAllRestoredMs)),
    };
  } finally {
    await cleanup.run(servers);
  }
}
