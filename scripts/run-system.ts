// npm start: the whole system on this machine, without Docker.
//
//   npm start                          # Kafka + Cassandra (local JVMs, reused when running) + the three services
//   npm start -- --keep-infra          # leave Kafka and Cassandra running on Ctrl-C (a faster next start)
//   npm start -- --with-infra-down     # on Ctrl-C also stop servers that were already running before
//   npm start -- --raw-logs            # the services' pino JSON lines as they are
//   npm start -- --fresh               # first delete this checkout's data: Kafka, Cassandra, incoming folder
//
// Kafka and Cassandra come from KAFKA_BROKERS / CASSANDRA_CONTACT_POINTS (and
// CASSANDRA_LOCAL_DATA_CENTER) when set, otherwise from infra/ (`startLocalInfra`,
// which reuses servers that already run). Then generator-backend starts (it creates the
// topics and the Cassandra schema), then importer and ingester; each must answer
// /health/ready. Every other variable (TOPIC_*, CASSANDRA_KEYSPACE, INGESTER_*, ...)
// is passed on to the services unchanged. Ports: MOBILECS_GENERATOR_BACKEND_PORT
// (8080), MOBILECS_IMPORTER_PORT (8081), MOBILECS_INGESTER_PORT (8082; with
// MOBILECS_INGESTER_INSTANCES=N, 1-8, N ingester instances on that port and the next ones,
// each advertising its own address); the dashboard at / of generator-backend is built
// first when web/dashboard/dist is missing or older than its sources; the incoming
// folder: INCOMING_DATA_RECORDS_DIR (<checkout>/.infra/incoming-data-records, beside the
// local servers' data, so that one checkout's files are never imported by another's
// Kafka). A second run continues on the same data (the generator keeps its sequences in
// Kafka); --fresh stops the local servers of this checkout and deletes their data and
// the incoming folder first.
//
// A service that exits unexpectedly — during start-up (even by SIGKILL) or later — is
// reported and restarted, the same way in both cases (scripts/restart-policy.ts): up to
// MOBILECS_RESTART_ATTEMPTS (5) restarts in a row, MOBILECS_RESTART_DELAY_MS (1000) after
// the exit, doubling each time (1, 2, 4, 8, 16 s: 31 s of waiting), capped at 30 s; once
// it has stayed ready for a minute its count starts again. The exit after the last
// restart gives up: a message naming the service, its exit code or signal, its last
// log lines and what to do, then everything this run started is stopped (as on Ctrl-C)
// and npm start exits with code 1. A service not ready within 180 s of its first start
// also stops the run.
// Ctrl-C (SIGINT) or SIGTERM stops the services with SIGTERM (SIGKILL after 15 s; a
// second Ctrl-C kills at once), then the local Kafka and Cassandra this run started:
// it leaves the machine as it found it. Servers that were already running are left
// alone (unless --with-infra-down); --keep-infra keeps the ones it started.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { LocalServerError, startLocalInfra, stopLocalInfra } from '../infra/src/index';
import { buildDashboard, dashboardBuildReason } from './dashboard-build';
import { infraHome, repoRoot } from '../infra/src/paths';
import {
  decideRestart,
  describeRestartPolicy,
  initialRestartState,
  restartPolicyFromEnv,
  seconds,
  type RestartPolicy,
  type RestartState,
} from './restart-policy';

// Each service runs as ONE process, `node --import <tsx loader> main.ts`: tsx's CLI
// would add a wrapper process, and a SIGKILL of the wrapper orphans the service.
const tsxLoader = pathToFileURL(join(createRequire(import.meta.url).resolve('tsx/package.json'), '..', 'dist', 'loader.mjs')).href;
const STOP_GRACE_MS = 15_000;
const READY_TIMEOUT_MS = 180_000;

interface ServiceSpec {
  /** `ingester-2`, `ingester-3`, …: further ingester instances (MOBILECS_INGESTER_INSTANCES). */
  name: 'generator-backend' | 'importer' | 'ingester' | `ingester-${number}`;
  entry: string;
  port: number;
  color: number;
  /** Variables for this service only. */
  env?: Record<string, string>;
}

class StartupError extends Error {}
/** A service used up its restarts: the run ends (exit code 1). */
class GaveUpError extends Error {
  constructor(
    readonly service: string,
    message: string,
  ) {
    super(message);
  }
}

const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!['--keep-infra', '--with-infra-down', '--raw-logs', '--fresh', '--help', '-h'].includes(a)) {
    console.error(`unknown option ${a}\nusage: npm start [-- --keep-infra | --with-infra-down] [--raw-logs] [--fresh]`);
    process.exit(2);
  }
}
if (args.has('--help') || args.has('-h')) {
  console.log('usage: npm start [-- --keep-infra | --with-infra-down] [--raw-logs] [--fresh]   (see the top of scripts/run-system.ts)');
  process.exit(0);
}
if (args.has('--keep-infra') && args.has('--with-infra-down')) {
  console.error('--keep-infra and --with-infra-down contradict each other: give one');
  process.exit(2);
}
const withInfraDown = args.has('--with-infra-down');
const keepInfra = args.has('--keep-infra');
const fresh = args.has('--fresh');
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

const portVariable = (name: ServiceSpec['name']) => (name.startsWith('ingester') ? 'MOBILECS_INGESTER_PORT' : `MOBILECS_${name.toUpperCase().replace(/-/g, '_')}_PORT`);

function ingesterInstancesFromEnv(): number {
  const raw = process.env.MOBILECS_INGESTER_INSTANCES;
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new StartupError(`MOBILECS_INGESTER_INSTANCES=${JSON.stringify(raw)}: expected a whole number of ingester instances, 1-8`);
  return n;
}

/**
 * generator-backend, importer and the ingester instances (ports MOBILECS_INGESTER_PORT,
 * +1, +2, …). Each ingester advertises its own address, generator-backend asks the first
 * (any instance answers for all: docs/ingester.md).
 */
function serviceSpecs(): ServiceSpec[] {
  const ingesterPort = portFromEnv('MOBILECS_INGESTER_PORT', 8082);
  const ingesters: ServiceSpec[] = Array.from({ length: ingesterInstancesFromEnv() }, (_, i) => ({
    name: i === 0 ? 'ingester' : `ingester-${i + 1}`,
    entry: 'services/ingester/src/main.ts',
    port: ingesterPort + i,
    color: 33,
    env: { INGESTER_ADVERTISED_URL: `http://127.0.0.1:${ingesterPort + i}` },
  }));
  if (ingesterPort + ingesters.length - 1 > 65_535) throw new StartupError(`MOBILECS_INGESTER_PORT=${ingesterPort} leaves no room for ${ingesters.length} ingester instances`);
  return [
    {
      name: 'generator-backend',
      entry: 'services/generator-backend/src/main.ts',
      port: portFromEnv(portVariable('generator-backend'), 8080),
      color: 36,
      env: { INGESTER_URL: process.env.INGESTER_URL ?? `http://127.0.0.1:${ingesterPort}` },
    },
    { name: 'importer', entry: 'services/importer/src/main.ts', port: portFromEnv(portVariable('importer'), 8081), color: 35 },
    ...ingesters,
  ];
}
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

// ---- one service as a child process, restarted when it exits ---------------------

const isAlive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
const exitText = (code: number | null, signal: NodeJS.Signals | null) => (signal ? `signal ${signal}` : `exit code ${code ?? '?'}`);

class RunningService {
  /** The current process's last lines (raw), for the message when the run gives up. */
  readonly tail: string[] = [];
  private child: ChildProcess | undefined;
  private closed: Promise<void> = Promise.resolve();
  /** When the current process first answered /health/ready; undefined while it starts. */
  private readyAt: number | undefined;
  private everReady = false;
  private restartState: RestartState = initialRestartState;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly firstReady: Promise<void>;
  private resolveFirstReady: () => void = () => undefined;
  private rejectFirstReady: (err: Error) => void = () => undefined;

  constructor(
    readonly spec: ServiceSpec,
    private readonly env: NodeJS.ProcessEnv,
    private readonly policy: RestartPolicy,
    /** Called once, when an exit leaves no restart: the caller ends the run. */
    private readonly onGiveUp: (err: GaveUpError) => void,
  ) {
    this.firstReady = new Promise<void>((resolve, reject) => {
      this.resolveFirstReady = resolve;
      this.rejectFirstReady = reject;
    });
  }

  get url(): string {
    return `http://localhost:${this.spec.port}`;
  }

  get alive(): boolean {
    return this.child !== undefined && isAlive(this.child);
  }

  /**
   * Starts the service and keeps it running (restarts included, from the first start
   * on); resolves when it first answers /health/ready, rejects when that takes longer
   * than READY_TIMEOUT_MS. Giving up goes to onGiveUp, not here.
   */
  run(): Promise<void> {
    this.start();
    return this.firstReady;
  }

  private start(): void {
    if (this.stopping) return;
    this.restartTimer = undefined;
    this.readyAt = undefined;
    this.tail.length = 0;
    const prefix = paint(this.spec.color, `${this.spec.name.padEnd(width)} |`);
    // Own process group: a terminal Ctrl-C reaches only this runner, which then stops
    // every service exactly once with SIGTERM.
    const child = spawn(process.execPath, ['--import', tsxLoader, join(repoRoot, this.spec.entry)], {
      cwd: repoRoot,
      env: { ...this.env, ...this.spec.env, HTTP_PORT: String(this.spec.port) },
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
    this.closed = new Promise((resolve) => {
      let done = false;
      // 'close', not 'exit': by then its last lines are in the tail.
      const ended = (code: number | null, signal: NodeJS.Signals | null) => {
        if (done) return;
        done = true;
        resolve();
        if (!this.stopping && this.child === child) this.exited(code, signal);
      };
      child.on('close', ended);
      child.on('error', (err) => {
        say(`${this.spec.name}: ${child.pid === undefined ? 'cannot start' : 'error'}: ${err.message}`);
        if (child.pid === undefined) ended(null, null);
      });
    });
    void this.watchReady(child);
  }

  /** Polls /health/ready of this process until it answers 200, exits, or time runs out. */
  private async watchReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer yet';
    while (this.child === child && isAlive(child) && !this.stopping) {
      if (Date.now() > deadline) {
        const message = `${this.spec.name} was not ready within ${READY_TIMEOUT_MS / 1000} s (last answer: ${last})`;
        if (this.everReady) say(paint(31, `${message}; it keeps running`));
        else this.rejectFirstReady(new StartupError(message));
        return;
      }
      try {
        const res = await fetch(`http://127.0.0.1:${this.spec.port}/health/ready`, { signal: AbortSignal.timeout(5000) });
        if (res.ok) {
          if (this.child !== child || !isAlive(child)) return;
          this.readyAt = Date.now();
          say(`${this.spec.name} ready${this.everReady ? ' again' : ''} on ${this.url}`);
          this.everReady = true;
          this.resolveFirstReady();
          return;
        }
        last = `${res.status} ${await res.text()}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await sleep(500);
    }
  }

  /** An unexpected exit: restart after the policy's delay, or give up. */
  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    const now = Date.now();
    const readyForMs = this.readyAt === undefined ? undefined : now - this.readyAt;
    const when = readyForMs === undefined ? 'during start-up' : `${seconds(readyForMs)} after it was ready`;
    const decision = decideRestart(this.policy, this.restartState, { now, readyForMs });
    this.restartState = decision.state;
    if (decision.restart) {
      say(
        paint(
          31,
          `${this.spec.name} exited ${when} (${exitText(code, signal)}): restart ${decision.attempt} of ${this.policy.attempts} in ${seconds(decision.delayMs)}`,
        ),
      );
      this.restartTimer = setTimeout(() => this.start(), decision.delayMs);
      return;
    }
    const times = decision.restarts + 1;
    const lines = this.tail.slice(-20).flatMap((l) => formatLine(l).split('\n'));
    const hint =
      code === 2
        ? `exit code 2 is its configuration check: correct the variable named in its lines (npm start passes every variable on to the services)`
        : signal === 'SIGKILL'
          ? `something killed it with SIGKILL (the kernel's out-of-memory killer? see dmesg), or see its lines`
          : `the cause is in its lines; check that Kafka (${this.env.KAFKA_BROKERS}) and Cassandra (${this.env.CASSANDRA_CONTACT_POINTS}) answer (npm run infra:status)`;
    this.onGiveUp(
      new GaveUpError(
        this.spec.name,
        [
          `giving up on ${this.spec.name}: it exited ${when} (${exitText(code, signal)}), ` +
            (decision.restarts === 0
              ? `with no restart allowed (MOBILECS_RESTART_ATTEMPTS=${this.policy.attempts})`
              : `the ${ordinal(times)} exit in a row within ${seconds(decision.overMs)}, after ${decision.restarts} restart${decision.restarts === 1 ? '' : 's'}`),
          `${this.spec.name}'s last lines:`,
          ...(lines.length ? lines.map((l) => `    ${l}`) : ['    (none: it printed nothing)']),
          `What to do: ${hint}; then run npm start again. ` +
            `MOBILECS_RESTART_ATTEMPTS (now ${this.policy.attempts}) and MOBILECS_RESTART_DELAY_MS (now ${this.policy.firstDelayMs}) set the restarts.`,
        ].join('\n'),
      ),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || !this.alive) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      say(`${this.spec.name} did not stop within ${STOP_GRACE_MS / 1000} s: SIGKILL`);
      this.kill();
    }, STOP_GRACE_MS);
    await this.closed;
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

const ordinal = (n: number) => `${n}${n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')}`;
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
  // Rejected when a service used up its restarts, during start-up or later.
  let giveUp: (err: GaveUpError) => void = () => undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    giveUp = reject;
  });
  gaveUp.catch(() => undefined);
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
    let policy: RestartPolicy;
    try {
      policy = restartPolicyFromEnv(process.env);
    } catch (err) {
      throw new StartupError(err instanceof Error ? err.message : String(err));
    }
    const missing = services.filter((s) => !existsSync(join(repoRoot, s.entry)));
    if (missing.length) throw new StartupError(`missing entry point: ${missing.map((s) => s.entry).join(', ')}`);
    for (const s of services) {
      await assertPortFree(s.port, s.name, portVariable(s.name));
    }

    const needKafka = !process.env.KAFKA_BROKERS;
    const needCassandra = !process.env.CASSANDRA_CONTACT_POINTS;
    const env: NodeJS.ProcessEnv = { ...process.env };
    const incomingDir = env.INCOMING_DATA_RECORDS_DIR || join(infraHome, 'incoming-data-records');
    if (fresh) {
      if (!needKafka || !needCassandra) {
        throw new StartupError('--fresh deletes the data of the local Kafka and Cassandra of this checkout; with KAFKA_BROKERS or CASSANDRA_CONTACT_POINTS set there is nothing local to reset: unset them, or reset those servers yourself');
      }
      say(`--fresh: stopping this checkout's local Kafka and Cassandra (if running) and deleting their data and ${incomingDir}`);
      await stopLocalInfra((m) => say(m), { kafka: true, cassandra: true });
      for (const dir of [join(infraHome, 'kafka', 'data'), join(infraHome, 'cassandra', 'data'), incomingDir]) rmSync(dir, { recursive: true, force: true });
    }
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
    env.INCOMING_DATA_RECORDS_DIR = incomingDir;
    mkdirSync(incomingDir, { recursive: true });
    env.LOG_LEVEL ??= 'info';
    // A developer's machine: GraphiQL and introspection on (off by default elsewhere).
    env.GENERATOR_GRAPHIQL ??= 'true';
    say(`Kafka ${env.KAFKA_BROKERS}, Cassandra ${env.CASSANDRA_CONTACT_POINTS} (${env.CASSANDRA_LOCAL_DATA_CENTER ?? 'datacenter1'}), incoming folder ${incomingDir}`);

    say(`a service that exits is restarted, ${describeRestartPolicy(policy)}; after that npm start stops`);

    // The dashboard generator-backend serves at /: built files, rebuilt when a source changed.
    const dashboardDir = join(repoRoot, 'web', 'dashboard');
    const buildReason = dashboardBuildReason(dashboardDir);
    if (buildReason) {
      say(`building the dashboard (${buildReason}): npm run build -w web/dashboard`);
      await buildDashboard(repoRoot, (line) => console.log(`${paint(90, 'dashboard'.padEnd(width))} | ${line}`)).catch((err: unknown) => {
        throw new StartupError(err instanceof Error ? err.message : String(err));
      });
    }

    const launch = async (spec: ServiceSpec) => {
      const s = new RunningService(spec, env, policy, (err) => {
        if (!shuttingDown) giveUp(err);
      });
      running.push(s);
      await s.run();
    };
    // generator-backend first: it creates the topics and the schema the others use.
    const [generator, ...others] = services as [ServiceSpec, ...ServiceSpec[]];
    await Promise.race([
      (async () => {
        await launch(generator);
        await Promise.all(others.map(launch));
      })(),
      gaveUp,
    ]);
    if (shuttingDown) return 0;

    const aggregates = env.TOPIC_DATA_RECORDS_AGGREGATES || 'data-records-aggregates';
    const backend = `http://localhost:${generator.port}`;
    const consumeEnv = needKafka ? '' : `KAFKA_BROKERS=${env.KAFKA_BROKERS} `;
    console.log(
      [
        '',
        paint(1, 'mobilecs is running.') + ` The dashboard: ${backend}/  In another terminal, the original walkthrough:`,
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
    await gaveUp;
    return 0;
  } catch (err) {
    if (shuttingDown) {
      await shuttingDown;
      return 0;
    }
    if (err instanceof GaveUpError) {
      console.error(`${paint(31, '[mobilecs]')} ${err.message}`);
      await shutdown(`gave up on ${err.service}`);
      say('stopped everything this run started');
      return 1;
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
