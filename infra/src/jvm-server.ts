import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalServerError } from './errors';
import { javaBinary } from './java';
import { resolveClasspath } from './maven-classpath';
import { infraHome } from './paths';
import { isAlive, portInUse, readPid, removeFile, sleep, spawnDetached, stopProcess, tail } from './process-control';

/** What differs between the local Kafka and the local Cassandra. */
export interface JvmServerDefinition {
  name: 'kafka' | 'cassandra';
  /** Ports the server listens on; all must be free before a start. */
  ports: number[];
  /** Heap and other JVM options. */
  jvmOptions: (dir: string, classpath: string) => string[];
  mainClass: string;
  args: (dir: string) => string[];
  /** Writes config files and formats storage; called before every start, idempotent. */
  prepare: (dir: string, java: string, classpath: string) => Promise<void>;
  /** Resolves when the server really serves clients; throws otherwise. */
  probe: () => Promise<void>;
  startTimeoutMs: number;
  stopGraceMs: number;
  logFile: (dir: string) => string;
}

export interface ServerStatus {
  name: string;
  pid?: number;
  running: boolean;
  dir: string;
}

export function serverDir(name: string): string {
  return join(infraHome, name);
}

const marker = (name: string) => `-Dmobilecs.infra=${name}`;

/** Our server's pid if it is running (the pid file's process carries our marker). */
export function runningPid(name: string): number | undefined {
  const pid = readPid(join(serverDir(name), 'server.pid'));
  if (!isAlive(pid)) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(marker(name)) ? pid : undefined;
  } catch {
    return pid;
  }
}

/**
 * Starts the server unless ours is already running (then just waits for readiness).
 * Fails fast when a port is taken by another process, and shows the log tail when the
 * server dies or does not become ready in time.
 */
export async function startJvmServer(def: JvmServerDefinition, log: (msg: string) => void): Promise<{ pid: number; reused: boolean; seconds: number }> {
  const dir = serverDir(def.name);
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const existing = runningPid(def.name);
  if (existing !== undefined) {
    log(`${def.name}: reusing the running instance (pid ${existing})`);
    await waitReady(def, existing, dir);
    return { pid: existing, reused: true, seconds: (Date.now() - started) / 1000 };
  }
  for (const port of def.ports) {
    if (await portInUse(port)) {
      throw new LocalServerError(
        def.name,
        `${def.name}: port ${port} on 127.0.0.1 is already in use by another process. Stop it, choose other ports ` +
          `(MOBILECS_${def.name.toUpperCase()}_PORT...), or point ${def.name === 'kafka' ? 'KAFKA_BROKERS' : 'CASSANDRA_CONTACT_POINTS'} at a server you run yourself.`,
      );
    }
  }
  const java = await javaBinary();
  log(`${def.name}: resolving jars with Maven`);
  const classpath = await resolveClasspath(def.name);
  await def.prepare(dir, java, classpath);
  const logFile = def.logFile(dir);
  const pid = spawnDetached(
    java,
    [...def.jvmOptions(dir, classpath), marker(def.name), '-cp', classpath, def.mainClass, ...def.args(dir)],
    logFile,
    join(dir, 'server.pid'),
    dir,
  );
  log(`${def.name}: started pid ${pid}, waiting until it serves clients (log: ${logFile})`);
  await waitReady(def, pid, dir);
  const seconds = (Date.now() - started) / 1000;
  log(`${def.name}: ready after ${seconds.toFixed(1)} s`);
  return { pid, reused: false, seconds };
}

async function waitReady(def: JvmServerDefinition, pid: number, dir: string): Promise<void> {
  const deadline = Date.now() + def.startTimeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      throw new LocalServerError(def.name, `${def.name} exited during start-up`, tail(def.logFile(dir)));
    }
    try {
      await def.probe();
      return;
    } catch (err) {
      last = err;
    }
    await sleep(500);
  }
  await stopProcess(pid, 5000);
  throw new LocalServerError(
    def.name,
    `${def.name} did not become ready within ${def.startTimeoutMs / 1000} s (last probe: ${last instanceof Error ? last.message : String(last)}); it was stopped`,
    tail(def.logFile(dir)),
  );
}

export async function stopJvmServer(def: Pick<JvmServerDefinition, 'name' | 'stopGraceMs'>, log: (msg: string) => void): Promise<void> {
  const pid = runningPid(def.name);
  const pidFile = join(serverDir(def.name), 'server.pid');
  if (pid === undefined) {
    log(`${def.name}: not running`);
    removeFile(pidFile);
    return;
  }
  const how = await stopProcess(pid, def.stopGraceMs);
  removeFile(pidFile);
  log(`${def.name}: ${how === 'stopped' ? 'stopped' : 'killed after the grace time'} (pid ${pid})`);
}

export function status(name: string): ServerStatus {
  const pid = runningPid(name);
  return { name, running: pid !== undefined, dir: serverDir(name), ...(pid !== undefined ? { pid } : {}) };
}
