// npm start: the whole system on this machine, without Docker.
//
//   npm start                          # Kafka + Cassandra (local JVMs, reused when running) + the three services
//   npm start -- --keep-infra          # leave Kafka and Cassandra running on Ctrl-C (a faster next start)
//   npm start -- --with-infra-down     # on Ctrl-C also stop servers that were already running before
//   npm start -- --raw-logs            # the services' pino JSON lines as they are
//
// Kafka and Cassandra come from KAFKA_BROKERS / CASSANDRA_CONTACT_POINTS (and
// CASSANDRA_LOCAL_DATA_CENTER) when set, otherwise from infra/ (`startLocalInfra`,
// which reuses servers that already run). Then generator-backend starts (it creates the
// topics and the Cassandra schema), then importer and ingester; each must answer
// /health/ready. Every other variable (TOPIC_*, CASSANDRA_KEYSPACE, INGESTER_*, ...)
// is passed on to the services unchanged. Ports: MOBILECS_GENERATOR_BACKEND_PORT
// (8080), MOBILECS_IMPORTER_PORT (8081), MOBILECS_INGESTER_PORT (8082); the incoming
// folder: INCOMING_DATA_RECORDS_DIR (/tmp/incoming-data-records).
//
// A service that exits during start-up stops the run (exit code 1, with its last log
// lines); one that exits later is reported and restarted with a growing delay.
// Ctrl-C (SIGINT) or SIGTERM stops the services with SIGTERM (SIGKILL after 15 s; a
// second Ctrl-C kills at once), then the local Kafka and Cassandra this run started:
// it leaves the machine as it found it. Servers that were already running are left
// alone (unless --with-infra-down); --keep-infra keeps the ones it started.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { LocalServerError, startLocalInfra, stopLocalInfra } from '../infra/src/index';
import { repoRoot } from '../infra/src/paths';

// Each service runs as ONE process, `node --import <tsx loader> main.ts`: tsx's CLI
// would add a wrapper process, and a SIGKILL of the wrapper orphans the service.
const tsxLoader = pathToFileURL(join(createRequire(import.meta.url).resolve('tsx/package.json'), '..', 'dist', 'loader.mjs')).href;
const STOP_GRACE_MS = 15_000;
const READY_TIMEOUT_MS = 180_000;

interface ServiceSpec {
  name: 'generator-backend' | 'importer' | 'ingester';
  entry: string;
  port: number;
  color: number;
}

class StartupError extends Error {}

const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!['--keep-infra', '--with-infra-down', '--raw-logs', '--help', '-h'].includes(a)) {
    console.error(`unknown option ${a}\nusage: npm start [-- --keep-infra | --with-infra-down] [--raw-logs]`);
    process.exit(2);
  }
}
if (args.has('--help') || args.has('-h')) {
  console.log('usage: npm start [-- --keep-infra | --with-infra-down] [--raw-logs]   (see the top of scripts/run-system.ts)');
  process.exit(0);
}
if (args.has('--keep-infra') && args.has('--with-infra-down')) {
  console.error('--keep-infra and --with-infra-down contradict each other: give one');
  process.exit(2);
}
const withInfraDown = args.has('--with-infra-down');
const keepInfra = args.has('--keep-infra');
const rawLogs = args.has('--raw-logs');
const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (color: number, s: string) => (useColor ? `\u001b[${color}m${s}\u001b[0m` : s);

const say = (msg: string) => console.log(`${paint(1, '[mobilecs]')} ${msg}`);

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new StartupError(`${name}=${JSON.stringify(raw)}: expected a port number 1-65535`);
  return n;
}

const portVariable = (name: ServiceSpec['name']) => `MOBILECS_${name.toUpperCase().replace(/-/g, '_')}_PORT`;
const serviceSpecs = (): ServiceSpec[] => [
  { name: 'generator-backend', entry: 'services/generator-backend/src/main.ts', port: portFromEnv(portVariable('generator-backend'), 8080), color: 36 },
  { name: 'importer', entry: 'services/importer/src/main.ts', port: portFromEnv(portVariable('importer'), 8081), color: 35 },
  { name: 'ingester', entry: 'services/ingester/src/main.ts', port: portFromEnv(portVariable('ingester'), 8082), color: 33 },
];
const width = 'generator-backend'.length;

// ---- log lines -----------------------------------------------------------------

const levels: Record<number, [string, number]> = {
  10: ['TRACE', 90],
  20: ['DEBUG', 90],
  30: ['INFO ', 32],
  40: ['WARN ', 33],
  50: ['ERROR', 31],
  60: ['FATAL', 31],
};
const hidden = new Set(['level', 'time', 'msg', 'service', 'name', 'pid', 'hostname', 'err', 'timestamp', 'logger']);

/** One pino JSON line as `12:00:01.234 INFO  message key=value ...`; anything else as it is. */
function formatLine(line: string): string {
  if (rawLogs || !line.startsWith('{')) return line;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof o.level !== 'number' || typeof o.msg !== 'string') return line;
  const [label, color] = levels[o.level] ?? ['?    ', 0];
  const time = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : '';
  const extras = Object.entries(o)
    .filter(([k]) => !hidden.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  let text = `${time} ${paint(color, label)} ${o.msg}${extras.length ? ` ${paint(90, extras.join(' '))}` : ''}`;
  const err = o.err as { message?: unknown; stack?: unknown } | undefined;
  if (err && typeof err === 'object') {
    text += ` ${paint(color, `err=${typeof err.message === 'string' ? err.message : JSON.stringify(err)}`)}`;
    if (o.level >= 50 && typeof err.stack === 'string') text += `\n${err.stack}`;
  }
  return text;
}

// ---- one service as a child process ------------------------------------------------

class RunningService {
  readonly tail: string[] = [];
  private child: ChildProcess | undefined;
  private exitPromise: Promise<void> = Promise.resolve();
  private restarts = 0;
  private lastStart = 0;
  stopping = false;
  onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;

  constructor(
    readonly spec: ServiceSpec,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get url(): string {
    return `http://localhost:${this.spec.port}`;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    this.lastStart = Date.now();
    const prefix = paint(this.spec.color, `${this.spec.name.padEnd(width)} |`);
    // Own process group: a terminal Ctrl-C reaches only this runner, which then stops
    // every service exactly once with SIGTERM.
    const child = spawn(process.execPath, ['--import', tsxLoader, join(repoRoot, this.spec.entry)], {
      cwd: repoRoot,
      env: { ...this.env, HTTP_PORT: String(this.spec.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.tail.push(line);
        if (this.tail.length > 40) this.tail.shift();
        for (const l of formatLine(line).split('\n')) console.log(`${prefix} ${l}`);
      });
    }
    this.exitPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        resolve();
        if (!this.stopping) this.onUnexpectedExit?.(code, signal);
      });
      child.on('error', (err) => {
        say(`${this.spec.name}: cannot start: ${err.message}`);
        resolve();
      });
    });
  }

  /** Polls /health/ready until it answers 200; throws when the process exits first or time runs out. */
  async waitReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!this.alive) throw new StartupError(`${this.spec.name} exited during start-up (${this.exitText()}); its last lines:\n${this.tail.slice(-20).join('\n')}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.spec.port}/health/ready`, { signal: AbortSignal.timeout(5000) });
        if (res.ok) return;
        last = `${res.status} ${await res.text()}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await sleep(500);
    }
    throw new StartupError(`${this.spec.name} was not ready within ${timeoutMs / 1000} s (last answer: ${last})`);
  }

  exitText(): string {
    return this.child?.signalCode ? `signal ${this.child.signalCode}` : `exit code ${this.child?.exitCode ?? '?'}`;
  }

  /** Delay before the next restart: 1 s, doubling to 30 s; back to 1 s after a minute of running. */
  nextRestartDelay(): number {
    if (Date.now() - this.lastStart > 60_000) this.restarts = 0;
    return Math.min(30_000, 1000 * 2 ** this.restarts++);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || !this.alive) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      say(`${this.spec.name} did not stop within ${STOP_GRACE_MS / 1000} s: SIGKILL`);
      this.kill();
    }, STOP_GRACE_MS);
    await this.exitPromise;
    clearTimeout(timer);
  }

  /** SIGKILL to the service's whole process group (anything it started goes too). */
  kill(): void {
    const pid = this.child?.pid;
    if (!this.alive || pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      this.child?.kill('SIGKILL');
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fails with a clear message when another process listens on the port. */
async function assertPortFree(port: number, who: string, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new StartupError(
          err.code === 'EADDRINUSE'
            ? `port ${port} (${who}) is already in use by another process: stop it (e.g. a previous npm start or docker compose) or choose another port with ${variable}`
            : `port ${port} (${who}): ${err.message}`,
        ),
      ),
    );
    server.listen(port, () => server.close(() => resolve()));
  });
}

// ---- the run ---------------------------------------------------------------------

async function main(): Promise<number> {
  const running: RunningService[] = [];
  let shuttingDown: Promise<void> | undefined;
  // Which local servers to stop on the way out: the ones this run started (or, with
  // --with-infra-down, every local one it used).
  const stopOnExit = { kafka: false, cassandra: false };

  const shutdown = (why: string): Promise<void> =>
    (shuttingDown ??= (async () => {
      say(`${why}: stopping the services (SIGTERM, SIGKILL after ${STOP_GRACE_MS / 1000} s)`);
      await Promise.all(running.map((s) => s.stop()));
      if (stopOnExit.kafka || stopOnExit.cassandra) {
        await stopLocalInfra((m) => say(m), stopOnExit);
      }
    })());

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      say(`${signal} again: killing the services now`);
      for (const s of running) s.kill();
      return;
    }
    void shutdown(signal).then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Whatever happens to this runner (other than SIGKILL), no service outlives it.
  process.on('exit', () => {
    for (const s of running) s.kill();
  });

  try {
    const services = serviceSpecs();
    const missing = services.filter((s) => !existsSync(join(repoRoot, s.entry)));
    if (missing.length) throw new StartupError(`missing entry point: ${missing.map((s) => s.entry).join(', ')}`);
    for (const s of services) {
      await assertPortFree(s.port, s.name, portVariable(s.name));
    }

    const needKafka = !process.env.KAFKA_BROKERS;
    const needCassandra = !process.env.CASSANDRA_CONTACT_POINTS;
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (needKafka || needCassandra) {
      say(`starting (or reusing) the local ${[needKafka && 'Kafka', needCassandra && 'Cassandra'].filter(Boolean).join(' and ')} (infra/, first start takes about a minute)`);
      // A start that fails half-way stops what it started itself (startLocalInfra).
      const infra = await startLocalInfra((m) => say(m), { kafka: needKafka, cassandra: needCassandra });
      stopOnExit.kafka = !keepInfra && (infra.startedKafka || (withInfraDown && needKafka));
      stopOnExit.cassandra = !keepInfra && (infra.startedCassandra || (withInfraDown && needCassandra));
      const kept = [needKafka && !stopOnExit.kafka && 'Kafka', needCassandra && !stopOnExit.cassandra && 'Cassandra'].filter(Boolean).join(' and ');
      if (kept) say(`${kept} will keep running after Ctrl-C (${keepInfra ? '--keep-infra' : 'it was running before'}; npm run infra:down stops it)`);
      if (needKafka) env.KAFKA_BROKERS = infra.kafkaBrokers.join(',');
      if (needCassandra) {
        env.CASSANDRA_CONTACT_POINTS = infra.cassandraContactPoints.join(',');
        env.CASSANDRA_LOCAL_DATA_CENTER = infra.cassandraDataCenter;
      }
    }
    const incomingDir = env.INCOMING_DATA_RECORDS_DIR || '/tmp/incoming-data-records';
    env.INCOMING_DATA_RECORDS_DIR = incomingDir;
    mkdirSync(incomingDir, { recursive: true });
    env.LOG_LEVEL ??= 'info';
    say(`Kafka ${env.KAFKA_BROKERS}, Cassandra ${env.CASSANDRA_CONTACT_POINTS} (${env.CASSANDRA_LOCAL_DATA_CENTER ?? 'datacenter1'}), incoming folder ${incomingDir}`);

    const launch = async (spec: ServiceSpec) => {
      const s = new RunningService(spec, env);
      running.push(s);
      s.start();
      await s.waitReady();
      say(`${spec.name} ready on ${s.url}`);
      s.onUnexpectedExit = () => {
        if (shuttingDown) return;
        const delay = s.nextRestartDelay();
        say(paint(31, `${spec.name} exited unexpectedly (${s.exitText()}): restarting in ${delay / 1000} s`));
        setTimeout(() => {
          if (shuttingDown) return;
          s.start();
          s.waitReady().then(
            () => say(`${spec.name} ready again on ${s.url}`),
            (err: unknown) => say(paint(31, err instanceof Error ? err.message : String(err))),
          );
        }, delay);
      };
    };
    // generator-backend first: it creates the topics and the schema the others use.
    const [generator, ...others] = services as [ServiceSpec, ...ServiceSpec[]];
    await launch(generator);
    await Promise.all(others.map(launch));
    if (shuttingDown) return 0;

    const aggregates = env.TOPIC_DATA_RECORDS_AGGREGATES || 'data-records-aggregates';
    const backend = `http://localhost:${generator.port}`;
    const consumeEnv = needKafka ? '' : `KAFKA_BROKERS=${env.KAFKA_BROKERS} `;
    console.log(
      [
        '',
        paint(1, 'mobilecs is running.') + ' In another terminal, the original walkthrough:',
        '',
        `  curl ${backend}/api/agreements/generate`,
        `  curl ${backend}/api/incoming-data-records/generate`,
        `  ${consumeEnv}npm run consume -- ${aggregates}`,
        '',
        `  Health and metrics: ${services.map((s) => `http://localhost:${s.port}/health/ready`).join('  ')}  (and /metrics)`,
        `  Data records:       ${backend}/api/data-records/<agreementId>/2020/1   GraphiQL: ${backend}/graphql`,
        `  Incoming folder:    ${incomingDir}`,
        '',
        `Ctrl-C stops the services${stopOnExit.kafka || stopOnExit.cassandra ? ` and the local ${[stopOnExit.kafka && 'Kafka', stopOnExit.cassandra && 'Cassandra'].filter(Boolean).join(' and ')} this run started` : ''}.`,
        '',
      ].join('\n'),
    );
    await new Promise<never>(() => undefined);
    return 0;
  } catch (err) {
    if (shuttingDown) {
      await shuttingDown;
      return 0;
    }
    const message = err instanceof StartupError || err instanceof LocalServerError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    console.error(`${paint(31, '[mobilecs] start-up failed:')} ${message}`);
    await shutdown('start-up failed');
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
