import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotFiles } from './local-snapshot-files';

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'snapshot-files-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('SnapshotFiles', () => {
  it('refuses a directory it cannot create, saying which variable and what to do', async () => {
    const file = join(await tempDir(), 'a-file');
    await writeFile(file, 'x');
    await expect(new SnapshotFiles(join(file, 'state')).prepare()).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('INGESTER_STATE_DIR=') as unknown });
  });

  it('writes, replaces and reads a partition file; none yet reads as null', async () => {
    const files = new SnapshotFiles(join(await tempDir(), 'state'));
    await files.prepare();
    expect(await files.read('t', 0)).toBeNull();
    await files.write('t', 0, Buffer.from('one'));
    await files.write('t', 0, Buffer.from('two'));
    await files.write('t', 1, Buffer.from('other'));
    expect((await files.read('t', 0))?.toString()).toBe('two');
    expect((await files.read('t', 1))?.toString()).toBe('other');
    expect((await readdir(files.dir)).sort()).toEqual(['t-0.snapshot', 't-1.snapshot']);
  });

  it('leaves the old file while a write is unfinished, and prepare removes temp files a crash left', async () => {
    const dir = await tempDir();
    const files = new SnapshotFiles(dir, { pauseBeforeRenameMs: 200 });
    await files.write('t', 0, Buffer.from('old'));
    const pending = files.write('t', 0, Buffer.from('new'));
    await new Promise((r) => setTimeout(r, 100));
    expect((await files.read('t', 0))?.toString()).toBe('old');
    expect((await readdir(dir)).some((f) => f.endsWith('.tmp'))).toBe(true);
    await pending;
    expect((await files.read('t', 0))?.toString()).toBe('new');
    await writeFile(join(dir, 't-0.snapshot.999.1.tmp'), 'partial');
    expect(await new SnapshotFiles(dir).prepare()).toEqual(['t-0.snapshot.999.1.tmp']);
    expect(await readdir(dir)).toEqual(['t-0.snapshot']);
  });
});
