// npm start when a service dies (issue #12): against the test servers (KAFKA_BROKERS /
// CASSANDRA_CONTACT_POINTS given, so npm start starts no JVM), on free ports, with its
// own topics, keyspace and groups.
// 1. generator-backend SIGKILLed while it is still starting, importer SIGKILLed once
//    ready: both are restarted the same way, the system becomes ready and serves the
//    walkthrough, and Ctrl-C still leaves nothing behind (and the servers running).
// 2. ingester can never start (an invalid variable: exit code 2): after the allowed
//    restarts npm start ends with exit code 1, a message naming the service, its exit
//    code, its last lines and what to do, and no process left behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { IncomingMessage } from '@mobilecs/platform';
import { processTree, survivors, type ProcessInfo } from '../support/process-tree';
import { januaryMessages } from '../support/seed-example';
import { serverEnv, testServers } from '../support/servers';
import { readTopic } from '../support/topic-reader';
import { Command, freePort, npmStartEnvOnTestServers, sleep } from './npm-command';

const asExpected = (m: IncomingMessage) => ({ key: m.key, timestamp: m.timestamp, value: JSON.parse(m.value?.toString('utf8') ?? 'null') as unknown });
const serviceProcess = (name: string) => (p: ProcessInfo) => new RegExp(`services/${name}/src/main\\.ts`).test(p.command);

/** `npm start` plus every process it had at any moment (sampled every 25 ms), to prove none survives. */
class System {
  readonly command: Command;
  private readonly seenByKey = new Map<string, ProcessInfo>();
  private readonly sampler: NodeJS.Timeout;

  constructor(env: NodeJS.ProcessEnv) {
    this.command = new Command(['start'], env);
    this.sampler = setInterval(() => this.sample(), 25);
  }

  sample(): ProcessInfo[] {
    const now = this.command.child.pid ? processTree(this.command.child.pid) : [];
    for (const p of now) {
      // A killed process not yet reaped is a zombie with an empty command line: keep what
      // it was seen as before, or a sample in that instant would forget which service it was.
      const key = `${p.pid}/${p.startTicks}`;
      if (p.command !== '' || !this.seenByKey.has(key)) this.seenByKey.set(key, p);
    }
    return now;
  }

  get seen(): ProcessInfo[] {
    return [...this.seenByKey.values()];
  }

  /** The first process of `name` alive now, as soon as one appears. */
  async waitForProcess(name: string, timeoutMs: number, not?: ProcessInfo): Promise<ProcessInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = this.sample().find((x) => serviceProcess(name)(x) && x.pid !== not?.pid);
      if (p) return p;
      if (Date.now() > deadline || !this.command.alive) throw new Error(`no ${name} process within ${timeoutMs / 1000} s:\n${this.command.tail()}`);
      await sleep(10);
    }
  }

  /** Waits until none of the processes seen is alive (a little grace for the kernel). */
  async survivors(): Promise<string[]> {
    clearInterval(this.sampler);
    let left = survivors(this.seen);
    for (let i = 0; i < 40 && left.length; i++) {
      await sleep(250);
      left = survivors(this.seen);
    }
    return left.map((p) => `${p.pid} ${p.command}`);
  }

  /** Only after a failed test: nothing may outlive the suite. */
  kill(): void {
    clearInterval(this.sampler);
    for (const p of survivors(this.seen)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

async function answers(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = connect(Number(port), host ?? '127.0.0.1');
    socket.setTimeout(3000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

describe('npm start restarts a service that dies, during start-up as later, and gives up cleanly', () => {
  const dirs: string[] = [];
  let system: System | undefined;

  afterEach(() => {
    system?.kill();
    system = undefined;
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** An environment for npm start against the test servers, on free ports, with names no other run uses. */
  const systemEnv = async (): Promise<{ env: NodeJS.ProcessEnv; backendPort: number; aggregatesTopic: string }> => {
    const [backendPort, importerPort, ingesterPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const incoming = mkdtempSync(join(tmpdir(), 'mobilecs-npm-start-restarts-'));
    dirs.push(incoming);
    const { env, aggregatesTopic } = npmStartEnvOnTestServers('npmstart', { backend: backendPort, importer: importerPort, ingester: ingesterPort }, incoming);
    return { env, backendPort, aggregatesTopic };
  };

  it('restarts generator-backend SIGKILLed during start-up (and importer SIGKILLed later), then serves the walkthrough', { timeout: 150_000 }, async () => {
    const { env, backendPort, aggregatesTopic } = await systemEnv();
    const s = (system = new System(env));
    const out = s.command;

    // SIGKILL generator-backend as soon as its process exists: long before it can answer /health/ready.
    const first = await s.waitForProcess('generator-backend', 30_000);
    expect(out.lines.filter((l) => /ready on/.test(l)), out.tail()).toEqual([]);
    process.kill(first.pid, 'SIGKILL');
    await out.waitFor(/generator-backend exited during start-up \(signal SIGKILL\): restart 1 of 5 in 1 s/, 15_000);
    const second = await s.waitForProcess('generator-backend', 15_000, first);
    expect(second.pid).not.toBe(first.pid);

    await out.waitFor(/mobilecs is running/, 90_000);
    expect(out.lines.some((l) => /generator-backend ready on/.test(l))).toBe(true);
    expect(out.lines.some((l) => /giving up|start-up failed/.test(l)), out.tail()).toBe(false);

    // Once ready, an exit is handled by the same policy (its own count: restart 1 of 5).
    const importer = await s.waitForProcess('importer', 1000);
    process.kill(importer.pid, 'SIGKILL');
    await out.waitFor(/importer exited [\d.]+ s after it was ready \(signal SIGKILL\): restart 1 of 5 in 1 s/, 15_000);
    await out.waitFor(/importer ready again on/, 60_000);

    // The walkthrough: the two calls, then the original's two messages on the aggregates topic.
    const get = async (path: string) => {
      const res = await fetch(`http://localhost:${backendPort}${path}`);
      const body = await res.text();
      expect(res.status, `${path}: ${body}`).toBe(200);
      return body;
    };
    expect(await get('/api/agreements/generate')).toContain('0b12c601-9287-3f5c-a78c-df508fe0f889');
    expect(await get('/api/incoming-data-records/generate')).toContain('MSISDNs generated: 48917846822');
    const january = januaryMessages();
    const got = await readTopic(testServers().kafka, aggregatesTopic, { expected: january.length, readCommitted: true, waitMs: 60_000, lingerMs: 2000 });
    expect(got.map(asExpected)).toEqual(january);

    // Ctrl-C: as before, it stops what it started and leaves the servers it was given running.
    process.kill(-(out.child.pid ?? 0), 'SIGINT');
    const code = await Promise.race([out.exited, sleep(40_000).then(() => 'still running')]);
    // npm itself ends by the SIGINT it received (no exit code); the runner with 0.
    expect(code === 0 || (code === null && out.child.signalCode === 'SIGINT'), `${code} ${out.child.signalCode}\n${out.tail()}`).toBe(true);
    expect(out.lines.some((l) => /giving up|start-up failed/.test(l)), out.tail()).toBe(false);
    expect(await s.survivors()).toEqual([]);
    expect(s.seen.filter(serviceProcess('generator-backend')).length).toBeGreaterThanOrEqual(2);
    const servers = serverEnv();
    expect(await answers(servers.KAFKA_BROKERS?.split(',')[0] ?? '')).toBe(true);
    expect(await answers(servers.CASSANDRA_CONTACT_POINTS?.split(',')[0]?.replace(/^([^:]+)$/, '$1:9042') ?? '')).toBe(true);
  });

  it('gives up on a service that can never start: a clear message, exit code 1, nothing left running', { timeout: 90_000 }, async () => {
    const { env } = await systemEnv();
    // The ingester's configuration check rejects this (exit code 2) on every start.
    Object.assign(env, { INGESTER_TICK_MS: '5', MOBILECS_RESTART_ATTEMPTS: '2', MOBILECS_RESTART_DELAY_MS: '200' });
    const s = (system = new System(env));
    const out = s.command;

    const code = await Promise.race([out.exited, sleep(75_000).then(() => 'still running')]);
    expect(code, out.tail()).toBe(1);
    const text = out.lines.join('\n');
    expect(text).toContain('a service that exits is restarted, up to 2 restarts in a row, 0.2 s, 0.4 s after each exit');
    expect(text).toMatch(/ingester exited during start-up \(exit code 2\): restart 1 of 2 in 0\.2 s/);
    expect(text).toMatch(/ingester exited during start-up \(exit code 2\): restart 2 of 2 in 0\.4 s/);
    expect(text).toMatch(/giving up on ingester: it exited during start-up \(exit code 2\), the 3rd exit in a row within [\d.]+ s, after 2 restarts/);
    // Its last lines, then what to do.
    const giveUp = out.lines.findIndex((l) => l.includes('giving up on ingester'));
    expect(out.lines[giveUp + 1]).toBe("ingester's last lines:");
    expect(out.lines.slice(giveUp + 2, giveUp + 6).join('\n')).toContain('INGESTER_TICK_MS="5"');
    expect(text).toMatch(/What to do: exit code 2 is its configuration check: correct the variable named in its lines .*then run npm start again/);
    expect(text).toContain('gave up on ingester: stopping the services');
    // generator-backend and importer had started (ingester only starts once generator-backend is ready): all gone now.
    // (npm start's own line, not the 25 ms process sampling, which a loaded machine can starve.)
    expect(text).toMatch(/generator-backend ready on /);
    expect(await s.survivors()).toEqual([]);
  });
});
