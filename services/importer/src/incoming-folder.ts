import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

/** Files still being written (tmp…) and hidden files are never picked up. */
export function isCandidate(path: string): boolean {
  const name = basename(path);
  return !name.startsWith('tmp') && !name.startsWith('.');
}

/**
 * Watches the incoming folder and hands complete files over in arrival order: files
 * present at start-up first (oldest first), then new ones as they appear. A file
 * renamed into place is complete at once; one written in place is handed over when its
 * size has been stable for `stabilityMs`.
 */
export class IncomingFolder {
  private watcher: FSWatcher | undefined;
  private readonly seen = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly opts: { stabilityMs: number; poll: boolean },
    private readonly onFile: (path: string) => void,
  ) {}

  async start(): Promise<void> {
    this.watcher = watch(this.dir, {
      ignoreInitial: true,
      depth: 0,
      ignored: (path, stats) => path !== this.dir && (!isCandidate(path) || (stats !== undefined && !stats.isFile())),
      awaitWriteFinish: this.opts.stabilityMs > 0 ? { stabilityThreshold: this.opts.stabilityMs, pollInterval: Math.min(100, this.opts.stabilityMs) } : false,
      usePolling: this.opts.poll,
    });
    this.watcher.on('add', (path) => this.offer(path));
    // The same name written again (e.g. renamed over the old file) is a new arrival.
    this.watcher.on('change', (path) => this.offer(path));
    await new Promise<void>((resolve, reject) => {
      this.watcher?.once('ready', resolve);
      this.watcher?.once('error', reject);
    });
    // Files already there: after the watcher is ready, so none falls between the two.
    const names = (await readdir(this.dir)).filter(isCandidate);
    const files = await Promise.all(
      names.map(async (name) => {
        const path = join(this.dir, name);
        const s = await stat(path).catch(() => undefined);
        return s?.isFile() ? { path, mtime: s.mtimeMs } : undefined;
      }),
    );
    for (const f of files.filter((x) => x !== undefined).sort((a, b) => a.mtime - b.mtime || a.path.localeCompare(b.path))) {
      this.offer(f.path);
    }
  }

  /** Forget a file once handled, so the same name arriving again is seen as new. */
  release(path: string): void {
    this.seen.delete(path);
  }

  private offer(path: string): void {
    if (this.seen.has(path)) return;
    this.seen.add(path);
    this.onFile(path);
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }
}
