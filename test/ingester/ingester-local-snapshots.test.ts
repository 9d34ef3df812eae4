// Restarts from local snapshots (INGESTER_STATE_DIR), on real Kafka and Cassandra with the
// ingester as child processes: only the changelog's tail is read after a snapshot, and no
// fault of the snapshot (a kill while writing it, corruption, retention, a partition that
// moved away and back) ever gives wrong state — each test ends with exactly the expected
// aggregates (read_committed) and exactly one Cassandra row per record.
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportedRecord } from '@mobilecs/domain';
import { KafkaAdmin, RESTORE_MARKER_KEY } from '@mobilecs/platform';
import { decodeSnapshot } from '../../services/ingester/src/local-snapshot';
import { testServers } from '../support/servers';
import type { ServiceProcess } from '../support/service-process';
import { readTopic } from '../support/topic-reader';
import { canonicalMessages, expectedAggregates, faultDataset } from './fault-dataset';
import { IngesterHarness } from './ingester-harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dirs: string[] = [];
async function stateDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'ingester-state-'));
  dirs.push(d);
  return d;
}

/** Snapshots after every commit unless told otherwise. */
const snapshotEnv = (dir: string, more: Record<string, string> = {}) => ({ INGESTER_STATE_DIR: dir, INGESTER_SNAPSHOT_INTERVAL_MS: '0', ...more });
/** No snapshot written while running (only at a graceful stop). */
const noRefresh = { INGESTER_SNAPSHOT_INTERVAL_MS: '86400000', INGESTER_SNAPSHOT_MIN_CHANGES: '100000000' };

interface RestoreLine {
  partitions: number[];
  records: number;
  fromSnapshots: number;
  snapshotPartitions: number[];
  changelogNext: Record<number, string>;
}
const restores = (p: ServiceProcess): RestoreLine[] =>
  p.lines.filter((l) => l.includes('"msg":"state restored from the changelog"')).map((l) => JSON.parse(l) as RestoreLine);
/**
 * A fresh instance's restore, merged: the first pass restores one partition (the first
 * with input, or the lowest at a tick), the next pass the others.
 */
async function restoreOf(p: ServiceProcess): Promise<RestoreLine> {
  await p.waitForLog(/"msg":"every assigned partition restored"/, 120_000);
  const lines = restores(p);
  return {
    partitions: lines.flatMap((l) => l.partitions).sort(),
    records: lines.reduce((n, l) => n + l.records, 0),
    fromSnapshots: lines.reduce((n, l) => n + l.fromSnapshots, 0),
    snapshotPartitions: lines.flatMap((l) => l.snapshotPartitions).sort(),
    changelogNext: Object.assign({}, ...lines.map((l) => l.changelogNext)) as Record<number, string>,
  };
}
const notUsed = (p: ServiceProcess) => p.lines.filter((l) => l.includes('local snapshot not used')).map((l) => JSON.parse(l) as { partition: number; reason: string; snapshotOffset: string | null });

async function rows(h: IngesterHarness, agreementIds: string[]): Promise<number> {
  const c = await h.cassandra();
  try {
    let n = 0;
    for (const id of agreementIds) {
      for (const month of [1, 2, 3, 4]) {
        const rs = await c.execute(`SELECT count(*) AS n FROM ${h.keyspace}.data_record WHERE agreement_id = ? AND year = 2020 AND month = ?`, [id, month], { prepare: true });
        n += Number(rs.first().get('n'));
      }
    }
    return n;
  } finally {
    await c.shutdown();
  }
}

/** The dataset cut by time: January, February, the rest (which closes every month). */
function parts(records: ImportedRecord[]): ImportedRecord[][] {
  const feb = Date.UTC(2020, 1, 1);
  const mar = Date.UTC(2020, 2, 1);
  return [records.filter((r) => r.recordedAt < feb), records.filter((r) => r.recordedAt >= feb && r.recordedAt < mar), records.filter((r) => r.recordedAt >= mar)];
}

describe('ingester restarts from local snapshots', () => {
  let h: IngesterHarness;
  afterEach(async () => {
    await h.cleanUp();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  /** Sends a part and waits until the instance has consumed everything sent so far. */
  async function feed(p: ServiceProcess, records: ImportedRecord[], sentBefore: number): Promise<number> {
    await h.send(records.map((r) => h.recordMessage(r)));
    const total = sentBefore + records.length;
    await h.waitForMetric('ingester_messages_in_total', total, { topic: 'incoming-data-records' }, 120_000, p);
    return total;
  }

  async function finish(data: ReturnType<typeof faultDataset>): Promise<void> {
    const expected = expectedAggregates(data);
    const got = await h.aggregates(expected.length, 180_000, 3000);
    expect(canonicalMessages(got)).toEqual(expected);
    expect(await rows(h, data.agreements.map((a) => a.id))).toBe(data.records.length);
  }

  it('a restart with snapshots reads only the changelog after them, and the state is exact', { timeout: 600_000 }, async () => {
    h = new IngesterHarness(3);
    await h.createTopics();
    const dir = await stateDir();
    const data = faultDataset(9, 2);
    const [jan, feb, rest] = parts(data.records);
    await h.send(data.agreements.map((a) => h.agreementMessage(a)));

    // 1: January, then a graceful stop writes every partition's snapshot.
    let p = await h.start(snapshotEnv(dir, noRefresh));
    await feed(p, jan!, 0);
    await p.kill('SIGTERM');
    expect(p.lines.some((l) => l.includes('local snapshots written'))).toBe(true);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.snapshot')).sort();
    expect(files).toHaveLength(3);
    const snapshotOffsets = new Map<number, bigint>();
    for (let q = 0; q < 3; q++) snapshotOffsets.set(q, decodeSnapshot(await readFile(join(dir, `${h.changelog}-${q}.snapshot`)), { topic: h.changelog, partition: q }).offset);

    // 2: February, no snapshot while running, then SIGKILL: the snapshots on disk are January's.
    p = await h.start(snapshotEnv(dir, noRefresh));
    await feed(p, feb!, 0);
    await sleep(500);
    await p.kill('SIGKILL');

    // 3: the restart loads January's snapshots and reads only what came after them (up to its marker).
    p = await h.start(snapshotEnv(dir));
    const restore = await restoreOf(p);
    const changelog = (await readTopic(testServers().kafka, h.changelog, { expected: 1, waitMs: 5000, lingerMs: 2000 })).filter((m) => m.key !== RESTORE_MARKER_KEY);
    const tail = changelog.filter((m) => m.offset >= snapshotOffsets.get(m.partition)! && m.offset < BigInt(restore.changelogNext[m.partition]!)).length;
    expect(restore.snapshotPartitions.sort()).toEqual([0, 1, 2]);
    expect(restore.fromSnapshots).toBeGreaterThan(0);
    expect(restore.records).toBe(tail);
    expect(tail).toBeLessThan(changelog.length);
    await feed(p, rest!, 0);
    await finish(data);
  });

  it('a kill while a snapshot is written leaves its temp file, which the restart removes and ignores', { timeout: 600_000 }, async () => {
    h = new IngesterHarness(3);
    await h.createTopics();
    const dir = await stateDir();
    const data = faultDataset(6, 3);
    const [jan, feb, rest] = parts(data.records);
    await h.send(data.agreements.map((a) => h.agreementMessage(a)));
    let p = await h.start(snapshotEnv(dir, { INGESTER_SNAPSHOT_TEST_PAUSE_MS: '3000' }));
    await h.send([...jan!, ...feb!].map((r) => h.recordMessage(r)));
    // Wait for a finished snapshot and a write in progress, then kill in the middle of it.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const names = await readdir(dir);
      if (names.some((f) => f.endsWith('.snapshot')) && names.some((f) => f.endsWith('.tmp'))) break;
      if (Date.now() > deadline) throw new Error(`no snapshot write in progress: ${names.join(', ')}\n${p.tail()}`);
      await sleep(50);
    }
    await p.kill('SIGKILL');
    expect((await readdir(dir)).some((f) => f.endsWith('.tmp'))).toBe(true);

    p = await h.start(snapshotEnv(dir));
    const restored = await restoreOf(p);
    expect(p.lines.some((l) => l.includes('unfinished snapshot file(s) left by a crash'))).toBe(true);
    expect(restored.fromSnapshots).toBeGreaterThan(0);
    await h.send(rest!.map((r) => h.recordMessage(r)));
    await finish(data);
    expect((await readdir(dir)).some((f) => f.endsWith('.tmp') && !f.includes(`.${p.pid}.`))).toBe(false);
  });

  it('a corrupt or truncated snapshot is not used: the partition is restored from the whole changelog, and why is logged', { timeout: 600_000 }, async () => {
    h = new IngesterHarness(3);
    await h.createTopics();
    const dir = await stateDir();
    const data = faultDataset(9, 2);
    const [jan, feb, rest] = parts(data.records);
    await h.send(data.agreements.map((a) => h.agreementMessage(a)));
    let p = await h.start(snapshotEnv(dir, noRefresh));
    await feed(p, [...jan!, ...feb!], 0);
    await p.kill('SIGTERM');
    const file = (q: number) => join(dir, `${h.changelog}-${q}.snapshot`);
    const bytes = await readFile(file(0));
    const at = bytes.length - 20;
    bytes[at] = bytes[at]! ^ 0x04;
    await writeFile(file(0), bytes);
    await truncate(file(1), Math.floor((await readFile(file(1))).length / 2));

    p = await h.start(snapshotEnv(dir));
    const restored = await restoreOf(p);
    const reasons = notUsed(p);
    expect(reasons.map((r) => r.partition).sort()).toEqual([0, 1]);
    expect(reasons.every((r) => r.reason.startsWith('checksum'))).toBe(true);
    expect(restored.snapshotPartitions).toEqual([2]);
    await h.send(rest!.map((r) => h.recordMessage(r)));
    await finish(data);
  });

  it("a snapshot older than the changelog's delete.retention.ms, or below its log start offset, is not used", { timeout: 600_000 }, async () => {
    h = new IngesterHarness(3);
    await h.createTopics();
    const dir = await stateDir();
    const data = faultDataset(9, 2);
    const [jan, feb] = parts(data.records);
    await h.send(data.agreements.map((a) => h.agreementMessage(a)));
    let p = await h.start(snapshotEnv(dir, noRefresh));
    await feed(p, jan!, 0);
    await p.kill('SIGTERM');
    // Tombstones written after these snapshots could now be compacted away.
    const admin = await KafkaAdmin.connect(testServers().kafka);
    try {
      await admin.alignTopicConfig({ topic: h.changelog, partitions: 3, config: { 'delete.retention.ms': '2000' }, alterExisting: ['delete.retention.ms'] });
    } finally {
      await admin.disconnect();
    }
    await sleep(2500);
    p = await h.start(snapshotEnv(dir, noRefresh));
    const restored = await restoreOf(p);
    expect(notUsed(p).map((r) => r.partition).sort()).toEqual([0, 1, 2]);
    expect(notUsed(p).every((r) => r.reason.includes('delete.retention.ms (2000)'))).toBe(true);
    expect(restored.fromSnapshots).toBe(0);
    await feed(p, feb!, 0);
    await p.kill('SIGTERM');

    // Records before a snapshot's offset deleted (as retention or deleteRecords would).
    const snapshot0 = decodeSnapshot(await readFile(join(dir, `${h.changelog}-0.snapshot`)), { topic: h.changelog, partition: 0 });
    const kafka = new Kafka({ brokers: testServers().kafka.brokers, clientId: 'snapshot-test' });
    const raw = kafka.admin();
    await raw.connect();
    try {
      await raw.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: h.changelog, configEntries: [{ name: 'delete.retention.ms', value: '86400000' }] }] });
      await raw.deleteTopicRecords({ topic: h.changelog, partitions: [{ partition: 0, offset: String(snapshot0.offset + 1n) }] });
    } finally {
      await raw.disconnect();
    }
    p = await h.start(snapshotEnv(dir, noRefresh));
    const restoredAfterDelete = await restoreOf(p);
    const reasons = notUsed(p);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatchObject({ partition: 0, snapshotOffset: snapshot0.offset.toString() });
    expect(reasons[0]!.reason).toContain('below the log start offset');
    expect(restoredAfterDelete.snapshotPartitions.sort()).toEqual([1, 2]);
  });

  it('a partition that moved to another instance and back is restored from its old snapshot plus everything after it', { timeout: 600_000 }, async () => {
    h = new IngesterHarness(3);
    await h.createTopics();
    const [dirA, dirB] = [await stateDir(), await stateDir()];
    const data = faultDataset(9, 2);
    const [jan, feb, rest] = parts(data.records);
    await h.send(data.agreements.map((a) => h.agreementMessage(a)));
    // A holds the partitions for January and leaves snapshots behind.
    let a = await h.start(snapshotEnv(dirA, noRefresh));
    await feed(a, jan!, 0);
    await a.kill('SIGTERM');
    // B takes them over and writes February into the changelog (A's snapshots are stale now).
    const b = await h.start(snapshotEnv(dirB));
    await feed(b, feb!, 0);
    await b.kill('SIGTERM');
    // Back to A: its January snapshots, then the changelog after them (B's February).
    a = await h.start(snapshotEnv(dirA));
    const restore = await restoreOf(a);
    expect(restore.snapshotPartitions.sort()).toEqual([0, 1, 2]);
    expect(restore.records).toBeGreaterThan(0);
    await feed(a, rest!, 0);
    await finish(data);
  });
});
