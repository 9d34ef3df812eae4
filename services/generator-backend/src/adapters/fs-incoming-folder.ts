import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { FileConflictError } from '../errors';
import type { IncomingFolder } from '../ports';

/**
 * The incoming-data-records folder. A file is written as tmp_<uuid> (which the importer
 * ignores), flushed to disk, then hard-linked to its final name — an atomic move that
 * never replaces an existing file — and the tmp name removed.
 */
export class FsIncomingFolder implements IncomingFolder {
  constructor(
    readonly dir: string,
    private readonly newId: () => string = randomUUID,
  ) {}

  async writeFile(fileName: string, lines: Iterable<string>): Promise<'written' | 'unchanged'> {
    if (fileName.includes('/') || fileName.includes('\\') || fileName.startsWith('.') || fileName.startsWith('tmp')) {
      throw new RangeError(`invalid data-record file name "${fileName}"`);
    }
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `tmp_${this.newId()}`);
    const target = join(this.dir, fileName);
    try {
      await writeLines(tmp, lines);
      try {
        await link(tmp, target);
        return 'written';
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const [mine, theirs] = await Promise.all([readFile(tmp), readFile(target)]);
        if (mine.equals(theirs)) return 'unchanged';
        throw new FileConflictError(fileName);
      }
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }
}

async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path, { flags: 'wx', flush: true });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  const write = async () => {
    let chunk = '';
    for (const line of lines) {
      chunk += `${line}\n`;
      if (chunk.length >= 64 * 1024) {
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
    out.end(chunk);
    await once(out, 'finish');
  };
  await Promise.race([write(), failed]);
  if (!out.closed) await once(out, 'close');
}
