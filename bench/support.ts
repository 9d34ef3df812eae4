// What every benchmark needs: the servers (local JVMs started or reused, or the ones
// named by KAFKA_BROKERS / CASSANDRA_CONTACT_POINTS), unique names so a benchmark never
// touches another run's topics, groups or keyspaces, clean-up, and the services as
// real child processes.
import { mkdirSync, readFileSync } from 'node:fs';
import { KafkaAdmin, createCassandraClient, type CassandraConnection, type KafkaConnection, type TopicNames } from '@mobilecs/platform';
import { cassandraContactPoints, cassandraDataCenter, kafkaBrokers, startLocalInfra } from '../infra/src/index';
import { residentBytes } from '../infra/src/process-control';
import { sumSamples } from '../test/support/prometheus-text';
import { ServiceProcess } from '../test/support/service-process';

export interface BenchServers {
  kafka: KafkaConnection;
  cassandra: CassandraConnection;
}

const started = new Map<'kafka' | 'all', Promise<BenchServers>>();

/** The servers to measure against; local Kafka/Cassandra are started only if not running (and left running). */
export function benchServers(need: { cassandra?: boolean } = {}): Promise<BenchServers> {
  const wantCassandra = need.cassandra ?? true;
  const key = wantCassandra ? 'all' : 'kafka';
  const known = started.get('all') ?? started.get(key);
  if (known) return known;
  const envKafka = process.env.KAFKA_BROKERS;
  const envCassandra = process.env.CASSANDRA_CONTACT_POINTS;
  const promise = (async (): Promise<BenchServers> => {
    if (!envKafka || (wantCassandra && !envCassandra)) {
      await startLocalInfra((m) => console.error(`[infra] ${m}`), { kafka: !envKafka, cassandra: wantCassandra && !envCassandra });
    }
    return {
      kafka: { brokers: (envKafka ?? kafkaBrokers.join(',')).split(','), clientId: 'mobilecs-bench' },
      cassandra: {
        contactPoints: (envCassandra ?? cassandraContactPoints.join(',')).split(','),
        localDataCenter: process.env.CASSANDRA_LOCAL_DATA_CENTER ?? cassandraDataCenter,
      },
    };
  })();
  started.set(key, promise);
  return promise;
}

export { uniqueName } from '../test/support/unique-name';

/** The five mobilecs topics under a prefix. */
export function topicNames(prefix: string): TopicNames {
  return {
    agreements: `${prefix}.agreements`,
    incomingDataRecords: `${prefix}.incoming-data-records`,
    dataRecordsAggregates: `${prefix}.data-records-aggregates`,
    deadLetters: `${prefix}.dead-letters`,
    dataRecordsLate: `${prefix}.data-records-late`,
  };
}

export const topicList = (t: TopicNames): string[] => [t.agreements, t.incomingDataRecords, t.dataRecordsAggregates, t.deadLetters, t.dataRecordsLate];

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until `check` returns a value (not undefined), polling; throws after timeoutMs with `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, pollMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** Topics and keyspaces a benchmark created, removed at its end (also after a failure). */
export class Cleanup {
  private readonly topics = new Set<string>();
  private readonly keyspaces = new Set<string>();
  private readonly processes: BenchService[] = [];
  private readonly tasks: (() => Promise<void> | void)[] = [];

  topic(...names: string[]): void {
    for (const n of names) this.topics.add(n);
  }
  keyspace(name: string): void {
    this.keyspaces.add(name);
  }
  process(p: BenchService): BenchService {
    this.processes.push(p);
    return p;
  }
  add(task: () => Promise<void> | void): void {
    this.tasks.push(task);
  }

  async run(s: BenchServers): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill('SIGKILL')));
    for (const t of this.tasks) await Promise.resolve(t()).catch(() => undefined);
    if (this.topics.size) {
      const admin = await KafkaAdmin.connect(s.kafka);
      await admin.deleteTopics([...this.topics]).catch((err: unknown) => console.error(`[bench] could not delete topics: ${String(err)}`));
      await admin.disconnect();
    }
    if (this.keyspaces.size) {
      const c = createCassandraClient(s.cassandra);
      for (const k of this.keyspaces) await c.execute(`DROP KEYSPACE IF EXISTS ${k}`).catch(() => undefined);
      await c.shutdown();
    }
  }
}

/** Environment pointing a service at the bench servers. */
export function serverEnv(s: BenchServers): Record<string, string> {
  return {
    KAFKA_BROKERS: s.kafka.brokers.join(','),
    CASSANDRA_CONTACT_POINTS: s.cassandra.contactPoints.join(','),
    CASSANDRA_LOCAL_DATA_CENTER: s.cassandra.localDataCenter,
  };
}

/** The environment importer and ingester share on their own topics (each adds its group, ids, folder, keyspace). */
export function pipelineEnv(s: BenchServers, names: TopicNames, partitions: number): Record<string, string> {
  return {
    ...serverEnv(s),
    TOPIC_AGREEMENTS: names.agreements,
    TOPIC_INCOMING_DATA_RECORDS: names.incomingDataRecords,
    TOPIC_DATA_RECORDS_AGGREGATES: names.dataRecordsAggregates,
    TOPIC_DEAD_LETTERS: names.deadLetters,
    TOPIC_DATA_RECORDS_LATE: names.dataRecordsLate,
    TOPIC_PARTITIONS: String(partitions),
    HTTP_PORT: '0',
  };
}

/** An ingester's environment on its own topics, group, transactional ids, changelog and keyspace (`tag`). */
export function ingesterEnv(s: BenchServers, names: TopicNames, tag: string, partitions: number): Record<string, string> {
  return {
    ...pipelineEnv(s, names, partitions),
    CASSANDRA_KEYSPACE: tag,
    TOPIC_INGESTER_CHANGELOG: `${tag}.changelog`,
    INGESTER_GROUP_ID: tag,
    INGESTER_TRANSACTIONAL_ID_PREFIX: tag,
  };
}

/**
 * A mobilecs service as a real child process (test/support's ServiceProcess). With
 * MOBILECS_BENCH_CPU_PROF=<dir> it runs under `node --cpu-prof` and writes a
 * .cpuprofile into <dir> when it exits cleanly (SIGTERM; a SIGKILLed one writes none).
 */
export class BenchService extends ServiceProcess {
  constructor(
    name: 'importer' | 'ingester',
    env: Record<string, string>,
    opts: { inspect?: boolean } = {},
  ) {
    const profDir = process.env.MOBILECS_BENCH_CPU_PROF;
    if (profDir) mkdirSync(profDir, { recursive: true });
    const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
    // The inspector (on a free local port) lets the memory benchmark force a full GC.
    const inspect = opts.inspect ? ['--inspect=127.0.0.1:0'] : [];
    super(name, `services/${name}/src/main.ts`, env, { nodeArgs: [...prof, ...inspect] });
  }

  override get pid(): number {
    return super.pid ?? 0;
  }

  /**
   * A full garbage collection in the service, through its inspector (started with
   * `inspect`): afterwards its heap used is what it really holds.
   */
  async collectGarbage(): Promise<void> {
    const line = await this.waitForLog(/Debugger listening on ws:\/\//, 10_000);
    const url = /(ws:\/\/\S+)/.exec(line)![1]!;
    // Node's own WebSocket client (global since Node 22; the browser API).
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error(`inspector WebSocket ${url} did not open`)), { once: true });
    });
    const done = new Promise<void>((resolve, reject) => {
      ws.addEventListener('message', (event: MessageEvent) => {
        const reply = JSON.parse(String(event.data)) as { id?: number; error?: { message: string } };
        if (reply.id !== 1) return;
        if (reply.error) reject(new Error(`HeapProfiler.collectGarbage: ${reply.error.message}`));
        else resolve();
      });
      ws.addEventListener('close', () => reject(new Error('inspector WebSocket closed before the reply')), { once: true });
    });
    ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    await done;
    ws.close();
  }
}

/** A service started for a benchmark. */
export function startService(name: 'importer' | 'ingester', env: Record<string, string>, opts: { inspect?: boolean } = {}): BenchService {
  return new BenchService(name, env, opts);
}

/** CPU time (user + system) a process has used so far, in seconds (Linux /proc; 0 if unknown). */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
// USER_HZ: 100 on every Linux platform Node runs on.
const CLOCK_TICKS = 100;

/** Samples a process's resident memory every `everyMs`; peak() is the highest seen. */
export class RssSampler {
  private max = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(
    private readonly pid: number,
    everyMs = 100,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
  }
  sample(): number {
    const v = residentBytes(this.pid) ?? 0;
    this.max = Math.max(this.max, v);
    return v;
  }
  peak(): number {
    return this.max;
  }
  stop(): number {
    clearInterval(this.timer);
    return this.max;
  }
}

/** The HTTP port a service logged in its "<name> ready" line. */
export async function servicePort(p: BenchService, name: string): Promise<number> {
  const line = await p.waitForLog(new RegExp(`"msg":"${name} ready"`), 120_000);
  const m = /"port":(\d+)/.exec(line);
  if (!m) throw new Error(`no port in: ${line}`);
  return Number(m[1]);
}

/** Sum of a Prometheus metric's samples whose labels include `labels`. */
export async function scrapeMetric(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sumSamples(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), name, labels);
}

export const MiB = 1024 * 1024;
export const round = (n: number, digits = 0) => Number(n.toFixed(digits));

/** The service's JSON log lines (anything else it printed is skipped). */
export function logLines<T>(lines: string[]): (T & { msg?: string })[] {
  return lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as T & { msg?: string }];
    } catch {
      return [];
    }
  });
}
