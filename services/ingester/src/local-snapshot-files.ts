// Snapshot files in the state directory, one per changelog partition, replaced
// atomically: write a temp file, fsync it, rename it over the old one, fsync the
// directory. A crash leaves either the old file or the new one, and at worst a temp file
// that is never read (and removed at the next start).
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '@mobilecs/platform';

const TEMP_SUFFIX = '.tmp';

/** Whether the process that named a temp file `<file>.<pid>.<seq>.tmp` still runs (another than this one). */
function writerAlive(name: string): boolean {
  const pid = Number(name.split('.').at(-3));
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class SnapshotFiles {
  private seq = 0;
  /**
   * `pauseBeforeRenameMs`: a test hook (INGESTER_SNAPSHOT_TEST_PAUSE_MS) so a test can kill
   * the process between the temp file's write and its rename.
   */
  constructor(
    readonly dir: string,
    private readonly opts: { pauseBeforeRenameMs?: number } = {},
  ) {}

  /**
   * Creates the directory and removes temp files a crash left behind (those of a process
   * no longer running: another instance sharing the directory may be writing one). Returns their names.
   */
  async prepare(): Promise<string[]> {
    try {
      await mkdir(this.dir, { recursive: true });
      await access(this.dir, constants.W_OK);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new ConfigError('ingester', [
        `INGESTER_STATE_DIR=${this.dir}: cannot create or write it (${e.code ?? 'error'}: ${e.message}); give the instance a writable directory (a persistent volume of its own) or leave the variable empty to turn local snapshots off`,
      ]);
    }
    const leftovers = (await readdir(this.dir)).filter((f) => f.endsWith(TEMP_SUFFIX) && !writerAlive(f));
    for (const f of leftovers) await rm(join(this.dir, f), { force: true });
    return leftovers;
  }

  /** The file of one changelog partition (topic names are [a-zA-Z0-9._-], safe in a file name). */
  path(topic: string, partition: number): string {
    return join(this.dir, `${topic}-${partition}.snapshot`);
  }

  /** The file's bytes, or null when there is none. */
  async read(topic: string, partition: number): Promise<Buffer | null> {
    try {
      return await readFile(this.path(topic, partition));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Replaces the partition's file with `bytes`, atomically and durably. */
  async write(topic: string, partition: number, bytes: Buffer): Promise<void> {
    const target = this.path(topic, partition);
    const temp = `${target}.${process.pid}.${++this.seq}${TEMP_SUFFIX}`;
    try {
      const fh = await open(temp, 'w');
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (this.opts.pauseBeforeRenameMs) await sleep(this.opts.pauseBeforeRenameMs);
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw err;
    }
    // The rename itself is durable only once the directory is synced.
    const dh = await open(this.dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }

  async remove(topic: string, partition: number): Promise<void> {
    await rm(this.path(topic, partition), { force: true });
  }
}
