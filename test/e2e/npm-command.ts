// `npm <args>` as a user runs it in a terminal, for the npm start suites: its own process
// group (a terminal's foreground job), its output kept line by line for assertions and
// failure messages. Also free ports for the services and servers it starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { repoRoot } from '../../infra/src/paths';
import { survivors, type ProcessInfo } from '../support/process-tree';
import { serverEnv, uniqueName, uniqueTopicNames } from '../support/servers';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A command's output, line by line, kept for assertions and for the failure message. */
export class Command {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    // Own process group, like a terminal's foreground job: Ctrl-C goes to the whole group.
    this.child = spawn('npm', args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let rest = '';
      stream?.on('data', (chunk: Buffer) => {
        const parts = (rest + chunk.toString('utf8')).split('\n');
        rest = parts.pop() ?? '';
        this.lines.push(...parts);
      });
    }
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  tail(n = 40): string {
    return this.lines.slice(-n).join('\n');
  }

  async waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.some((l) => pattern.test(l))) {
      if (!this.alive) throw new Error(`npm ${this.child.spawnargs.slice(1).join(' ')} exited before printing ${pattern}:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs / 1000} s:\n${this.tail()}`);
      await sleep(250);
    }
  }
}

/**
 * After a suite that failed half-way: kills every process seen under npm start that is
 * still alive, and npm start's process group, so that nothing outlives the suite.
 */
export async function killLeftovers(seen: ProcessInfo[], system: Command | undefined): Promise<void> {
  for (const p of survivors(seen)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (system?.alive && system.child.pid) process.kill(-system.child.pid, 'SIGKILL');
  await sleep(500);
}

/**
 * The environment for `npm start` on the test servers: this process's environment without
 * any mobilecs setting, then topics, keyspace, group and ids no other run uses, the given
 * ports and incoming folder. Returns it with the aggregates topic's name.
 */
export function npmStartEnvOnTestServers(
  prefix: string,
  ports: { backend: number; importer: number; ingester: number },
  incomingDir: string,
  extra: Record<string, string> = {},
): { env: NodeJS.ProcessEnv; aggregatesTopic: string } {
  const topics = uniqueTopicNames(prefix);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of Object.keys(env)) {
    if (/^(TOPIC_|INGESTER_|IMPORTER_|GENERATOR_|MOBILECS_|CASSANDRA_|KAFKA_|DASHBOARD_)/.test(v) || v === 'LOG_LEVEL') delete env[v];
  }
  Object.assign(env, serverEnv(), {
    TOPIC_AGREEMENTS: topics.agreements,
    TOPIC_INCOMING_DATA_RECORDS: topics.incomingDataRecords,
    TOPIC_DATA_RECORDS_AGGREGATES: topics.dataRecordsAggregates,
    TOPIC_DEAD_LETTERS: topics.deadLetters,
    TOPIC_DATA_RECORDS_LATE: topics.dataRecordsLate,
    TOPIC_IMPORTER_PROGRESS: uniqueName(`${prefix}_importer_progress`),
    TOPIC_INGESTER_CHANGELOG: uniqueName(`${prefix}_ingester_changelog`),
    TOPIC_GENERATOR_SEQUENCES: uniqueName(`${prefix}_generator_sequences`),
    TOPIC_PARTITIONS: '3',
    CASSANDRA_KEYSPACE: uniqueName(prefix),
    IMPORTER_TRANSACTIONAL_ID: uniqueName(`${prefix}_importer`),
    INGESTER_GROUP_ID: uniqueName(`${prefix}_ingester`),
    INGESTER_TRANSACTIONAL_ID_PREFIX: uniqueName(`${prefix}_ingester`),
    // Partitions without data must not hold the watermark back for long.
    INGESTER_IDLE_TIMEOUT_MS: '2000',
    MOBILECS_GENERATOR_BACKEND_PORT: String(ports.backend),
    MOBILECS_IMPORTER_PORT: String(ports.importer),
    MOBILECS_INGESTER_PORT: String(ports.ingester),
    INCOMING_DATA_RECORDS_DIR: incomingDir,
    NO_COLOR: '1',
    ...extra,
  });
  return { env, aggregatesTopic: topics.dataRecordsAggregates };
}
