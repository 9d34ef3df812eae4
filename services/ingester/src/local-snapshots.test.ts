import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '@mobilecs/platform';
import { decodeSnapshot } from './local-snapshot';
import { SnapshotFiles } from './local-snapshot-files';
import { LocalSnapshots } from './local-snapshots';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function setup(opts: { minChanges?: number; intervalMs?: number } = {}) {
  let now = 1_000_000;
  const warnings: { partition: number; reason: string }[] = [];
  const log = { info: () => undefined, warn: (o: { partition: number; reason: string }) => void warnings.push(o), error: () => undefined, debug: () => undefined } as unknown as Logger;
  return (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'local-snapshots-'));
    dirs.push(dir);
    const files = new SnapshotFiles(dir);
    const snapshots = new LocalSnapshots({ files, changelogTopic: 'cl', minChanges: opts.minChanges ?? 3, intervalMs: opts.intervalMs ?? 60_000, now: () => now, log });
    await snapshots.prepare();
    return { dir, files, snapshots, warnings, tick: (ms: number) => (now += ms), now: () => now };
  })();
}

const state = (entries: [string, { partition: number; n?: number }][]) => ({
  partitionEntries: (ps: Iterable<number>) => {
    const wanted = new Set(ps);
    return entries.filter(([, v]) => wanted.has(v.partition));
  },
});
const facts = async () => new Map([0, 1].map((p) => [p, { start: 0n, end: 1000n, deleteRetentionMs: 86_400_000 }]));

describe('LocalSnapshots', () => {
  it('after a full restore writes at the first commit, each partition its own entries and the offset its state covers', async () => {
    const { snapshots, files, now } = await setup();
    snapshots.restored(0, 10n, now(), undefined);
    snapshots.restored(1, 20n, now(), undefined);
    snapshots.committed(0, 2, 15n, now());
    snapshots.afterCommit(state([['a', { partition: 0 }], ['b', { partition: 1 }], ['c', { partition: 0 }]]), [0, 1]);
    await snapshots.flush(state([]), []);
    const s0 = decodeSnapshot((await files.read('cl', 0))!, { topic: 'cl', partition: 0 });
    const s1 = decodeSnapshot((await files.read('cl', 1))!, { topic: 'cl', partition: 1 });
    expect([s0.offset, s0.entries.map(([k]) => k)]).toEqual([15n, ['a', 'c']]);
    expect([s1.offset, s1.entries.map(([k]) => k)]).toEqual([20n, ['b']]);
  });

  it('after a snapshot restore writes again only after minChanges or the interval; an unknown offset is never written', async () => {
    const { snapshots, files, now, tick } = await setup({ minChanges: 3, intervalMs: 1000 });
    snapshots.restored(0, 10n, now(), 5n);
    snapshots.committed(0, 2, 12n, now());
    snapshots.afterCommit(state([['a', { partition: 0 }]]), [0]);
    await snapshots.flush(state([]), []);
    expect(await files.read('cl', 0)).toBeNull();
    snapshots.committed(0, 1, 13n, now());
    snapshots.afterCommit(state([['a', { partition: 0 }]]), [0]);
    await snapshots.flush(state([]), []);
    expect(decodeSnapshot((await files.read('cl', 0))!, { topic: 'cl', partition: 0 }).offset).toBe(13n);
    snapshots.committed(0, 1, undefined, now());
    tick(5000);
    snapshots.afterCommit(state([['a', { partition: 0 }]]), [0]);
    await snapshots.flush(state([['a', { partition: 0 }]]), [0]);
    expect(decodeSnapshot((await files.read('cl', 0))!, { topic: 'cl', partition: 0 }).offset).toBe(13n);
  });

  it('by changes, rewrites a snapshot only once as many keys changed as it holds (its cost grows with the state)', async () => {
    const { snapshots, files, now } = await setup({ minChanges: 3, intervalMs: 3_600_000 });
    const five = state([0, 1, 2, 3, 4].map((i): [string, { partition: number }] => [`k${i}`, { partition: 0 }]));
    snapshots.restored(0, 10n, now(), undefined);
    await snapshots.flush(five, [0]);
    snapshots.committed(0, 3, 13n, now());
    snapshots.afterCommit(five, [0]);
    await snapshots.flush(state([]), []);
    expect(decodeSnapshot((await files.read('cl', 0))!, { topic: 'cl', partition: 0 }).offset).toBe(10n);
    snapshots.committed(0, 2, 15n, now());
    snapshots.afterCommit(five, [0]);
    await snapshots.flush(state([]), []);
    expect(decodeSnapshot((await files.read('cl', 0))!, { topic: 'cl', partition: 0 }).offset).toBe(15n);
  });

  it('loads a trusted snapshot and logs why another is not used', async () => {
    const { snapshots, files, warnings, now, dir } = await setup();
    snapshots.restored(0, 10n, now(), undefined);
    snapshots.restored(1, 20n, now(), undefined);
    await snapshots.flush(state([['a', { partition: 0 }], ['b', { partition: 1 }]]), [0, 1]);
    const bytes = await readFile(files.path('cl', 1));
    await writeFile(files.path('cl', 1), bytes.subarray(0, bytes.length - 1));
    const loaded = await snapshots.load([0, 1, 2], facts);
    expect([...loaded.keys()]).toEqual([0]);
    expect(loaded.get(0)!.entries).toEqual([['a', { partition: 0 }]]);
    expect(warnings.map((w) => [w.partition, w.reason.split(':')[0]])).toEqual([[1, 'checksum']]);
    expect(dir).toBeTruthy();
  });
});
