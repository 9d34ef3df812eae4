import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../infra/src/paths';

/** A mobilecs service run as a real child process, as in production (tsx, env config). */
export class ServiceProcess {
  readonly lines: string[] = [];
  private exited: Promise<number | null>;
  private readonly child: ChildProcess;

  /** `nodeArgs`: extra options for node itself (e.g. `--cpu-prof`, `--inspect`). */
  constructor(
    readonly name: string,
    entry: string,
    env: Record<string, string>,
    opts: { nodeArgs?: string[] } = {},
  ) {
    // `node --import tsx` runs the service in this one process, so a signal (SIGKILL
    // included) reaches the service itself; tsx's CLI would fork a second process.
    this.child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', join(repoRoot, entry)], {
      cwd: repoRoot,
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Per stream, a line cut across two chunks is joined before it is kept.
    const collector = () => {
      let rest = '';
      return (chunk: Buffer) => {
        const parts = (rest + chunk.toString('utf8')).split('\n');
        rest = parts.pop() ?? '';
        for (const l of parts) if (l.trim()) this.lines.push(l);
      };
    };
    this.child.stdout?.on('data', collector());
    this.child.stderr?.on('data', collector());
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves when a log line matches; rejects if the process exits or the time is up. */
  async waitForLog(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void this.exited.then((c) => (exitCode = c));
    while (Date.now() < deadline) {
      const hit = this.lines.find((l) => pattern.test(l));
      if (hit) return hit;
      if (exitCode !== undefined) throw new Error(`${this.name} exited (${exitCode}) before logging ${pattern}:\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${this.name} did not log ${pattern} within ${timeoutMs} ms:\n${this.tail()}`);
  }

  tail(n = 30): string {
    return this.lines.slice(-n).join('\n');
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }

  waitForExit(): Promise<number | null> {
    return this.exited;
  }
}
