// npm start serves the dashboard as built files (generator-backend at /): built here when
// dist/ is missing or older than anything it is built from.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What the build reads: a change to any of these makes dist/ stale. */
const SOURCES = ['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'];

/** Newest modification time under `path` (a file or a folder, recursively); 0 when absent. */
function newestMtimeMs(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtimeMs(join(path, name))), s.mtimeMs);
}

/** Why the dashboard in `dir` must be built, or null when dist/ is up to date. */
export function dashboardBuildReason(dir: string): string | null {
  const built = join(dir, 'dist', 'index.html');
  if (!existsSync(built)) return 'not built yet';
  const builtAt = statSync(built).mtimeMs;
  const changed = SOURCES.filter((s) => newestMtimeMs(join(dir, s)) > builtAt);
  return changed.length ? `changed since the last build: ${changed.join(', ')}` : null;
}

/** `npm run build -w web/dashboard` in `root`, its output through `say`; rejects with its last lines on failure. */
export function buildDashboard(root: string, say: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'build', '-w', 'web/dashboard', '--silent'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (!line.trim()) continue;
          tail.push(line);
          if (tail.length > 30) tail.shift();
          say(line);
        }
      });
    }
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`building the dashboard failed (exit code ${code ?? '?'}):\n${tail.join('\n')}`))));
  });
}
