import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

/**
 * Watches the incoming folder and reports every file whose name `accept`s: files present
 * at start-up first (oldest first), then each arrival and each change, as they happen.
 * With `stabilityMs` > 0 a file written in place is reported once its size has been
 * stable that long (a file renamed into place at once). Reporting the same file again is
 * normal: the importer decides what is new in it.
 */
export class IncomingFolder {
  private watcher: FSWatcher | undefined;

  constructor(
    private readonly dir: string,
    private readonly opts: { stabilityMs: number; poll: boolean; accept: (name: string) => boolean },
    private readonly onFile: (path: string) => void,
  ) {}

  async start(): Promise<void> {
    this.watcher = watch(this.dir, {
      ignoreInitial: true,
      depth: 0,
      ignored: (path, stats) => path !== this.dir && (!this.opts.accept(basename(path)) || (stats !== undefined && !stats.isFile())),
      awaitWriteFinish: this.opts.stabilityMs > 0 ? { stabilityThreshold: this.opts.stabilityMs, pollInterval: Math.min(100, this.opts.stabilityMs) } : false,
      usePolling: this.opts.poll,
    });
    this.watcher.on('add', (path) => this.onFile(path));
    // Written in place, appended to, or renamed over: the importer looks at what changed.
    this.watcher.on('change', (path) => this.onFile(path));
    await new Promise<void>((resolve, reject) => {
      this.watcher?.once('ready', resolve);
      this.watcher?.once('error', reject);
    });
    // Files already there: after the watcher is ready, so none falls between the two.
    const names = (await readdir(this.dir)).filter((name) => this.opts.accept(name));
    const files = await Promise.all(
      names.map(async (name) => {
        const path = join(this.dir, name);
        const s = await stat(path).catch(() => undefined);
        return s?.isFile() ? { path, mtime: s.mtimeMs } : undefined;
      }),
    );
    for (const f of files.filter((x) => x !== undefined).sort((a, b) => a.mtime - b.mtime || a.path.localeCompare(b.path))) {
      this.onFile(f.path);
    }
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }
}
