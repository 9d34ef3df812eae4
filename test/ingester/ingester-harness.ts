import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import {
  agreementCodec,
  importedRecordCodec,
  type Agreement,
  type ImportedRecord,
} from '@mobilecs/domain';
import {
  KafkaAdmin,
  KafkaProducer,
  createCassandraClient,
  ensureTopics,
  type CassandraClient,
  type IncomingMessage,
  type OutgoingMessage,
  type TopicNames,
} from '@mobilecs/platform';
import { serverEnv, testServers, uniqueName, uniqueTopicNames } from '../support/servers';
import { ServiceProcess } from '../support/service-process';
import { sumSamples } from '../support/prometheus-text';
import { readTopic } from '../support/topic-reader';

export { fixtureAgreement, fixtureRecords } from '../support/seed-example';

/** One isolated ingester setup: own topics, changelog, group, transactional ids and keyspace. */
export class IngesterHarness {
  readonly topics = uniqueTopicNames('ing');
  readonly changelog = uniqueName('ingester_changelog');
  readonly group = uniqueName('ingester');
  readonly txPrefix = uniqueName('ingester_tx');
  readonly keyspace = uniqueName('ks');
  /**
   * With MOBILECS_TEST_INGESTER_SNAPSHOTS=1 every suite runs with local snapshots (one
   * state directory per harness, shared by its instances as a volume would be by
   * restarts; a snapshot after every commit), so the fault suites cover restarts from them.
   */
  readonly stateDir = process.env.MOBILECS_TEST_INGESTER_SNAPSHOTS === '1' ? join(tmpdir(), uniqueName('ingester_state')) : undefined;
  readonly processes: ServiceProcess[] = [];
  private producer: KafkaProducer | undefined;

  constructor(
    readonly partitions = 3,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  env(): Record<string, string> {
    return {
      ...serverEnv(),
      TOPIC_AGREEMENTS: this.topics.agreements,
      TOPIC_INCOMING_DATA_RECORDS: this.topics.incomingDataRecords,
      TOPIC_DATA_RECORDS_AGGREGATES: this.topics.dataRecordsAggregates,
      TOPIC_DEAD_LETTERS: this.topics.deadLetters,
      TOPIC_DATA_RECORDS_LATE: this.topics.dataRecordsLate,
      TOPIC_INGESTER_CHANGELOG: this.changelog,
      TOPIC_PARTITIONS: String(this.partitions),
      INGESTER_GROUP_ID: this.group,
      INGESTER_TRANSACTIONAL_ID_PREFIX: this.txPrefix,
      CASSANDRA_KEYSPACE: this.keyspace,
      INGESTER_IDLE_TIMEOUT_MS: '1500',
      INGESTER_TICK_MS: '250',
      // A SIGKILLed instance leaves the group after this; Kafka's minimum.
      INGESTER_SESSION_TIMEOUT_MS: '6000',
      HTTP_PORT: '0',
      ...(this.stateDir ? { INGESTER_STATE_DIR: this.stateDir, INGESTER_SNAPSHOT_INTERVAL_MS: '0' } : {}),
      ...this.extraEnv,
    };
  }

  async createTopics(): Promise<void> {
    await ensureTopics(testServers().kafka, { names: this.topics, inputPartitions: this.partitions, outputPartitions: this.partitions, replicationFactor: 1 });
  }

  async start(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const p = new ServiceProcess(`ingester-${this.processes.length}`, 'services/ingester/src/main.ts', { ...this.env(), ...env });
    this.processes.push(p);
    await p.waitForLog(/"msg":"ingester ready"/, 120_000);
    return p;
  }

  async send(messages: OutgoingMessage[]): Promise<void> {
    this.producer ??= await KafkaProducer.connect(testServers().kafka);
    await this.producer.send(messages);
  }

  agreementMessage(a: Agreement): OutgoingMessage {
    return { topic: this.topics.agreements, key: a.msisdn, value: agreementCodec.encode(a), timestamp: a.signedAt };
  }

  recordMessage(r: ImportedRecord): OutgoingMessage {
    return { topic: this.topics.incomingDataRecords, key: r.msisdn, value: importedRecordCodec.encode(r), timestamp: r.recordedAt };
  }

  aggregates(expected: number, waitMs = 60_000, lingerMs = 2000): Promise<IncomingMessage[]> {
    return readTopic(testServers().kafka, this.topics.dataRecordsAggregates, { expected, waitMs, lingerMs });
  }

  /** Any topic of this harness, read from the beginning (read_committed). */
  read(topic: keyof TopicNames, expected: number, waitMs = 30_000, lingerMs = 2000): Promise<IncomingMessage[]> {
    return readTopic(testServers().kafka, this.topics[topic], { expected, waitMs, lingerMs });
  }

  /** The input partition of a key (kafkajs' Java-compatible murmur2, as the producers use). */
  partitionOf(key: string): number {
    const partitionMetadata = Array.from({ length: this.partitions }, (_, i) => ({ partitionId: i, leader: 0 }) as PartitionMetadata);
    return Partitioners.DefaultPartitioner()({ topic: 'any', partitionMetadata, message: { key, value: null } });
  }

  /** Distinct msisdns, one on each of the given input partitions (in that order; repeat a partition for more). */
  msisdnsOn(partitions: number[], from = 48_600_000_000): string[] {
    const out: string[] = [];
    let n = from;
    for (const p of partitions) {
      while (this.partitionOf(String(n)) !== p) n++;
      out.push(String(n++));
    }
    return out;
  }

  /** The HTTP port an ingester logged in its "ingester ready" line. */
  async port(p: ServiceProcess = this.processes[0]!): Promise<number> {
    const line = await p.waitForLog(/"msg":"ingester ready"/, 120_000);
    const m = /"port":(\d+)/.exec(line);
    if (!m) throw new Error(`no port in: ${line}`);
    return Number(m[1]);
  }

  async httpGet(path: string, p: ServiceProcess = this.processes[0]!): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://127.0.0.1:${await this.port(p)}${path}`);
    return { status: res.status, body: await res.text() };
  }

  /** Sum of a Prometheus metric's samples on one ingester whose labels include `labels`. */
  async metric(name: string, labels: Record<string, string> = {}, p: ServiceProcess = this.processes[0]!): Promise<number> {
    const { body } = await this.httpGet('/metrics', p);
    return sumSamples(body, name, labels);
  }

  /** Waits until a metric of one ingester reaches `atLeast` (e.g. messages consumed). */
  async waitForMetric(name: string, atLeast: number, labels: Record<string, string> = {}, timeoutMs = 60_000, p: ServiceProcess = this.processes[0]!): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let value = 0;
    while (Date.now() < deadline) {
      value = await this.metric(name, labels, p);
      if (value >= atLeast) return value;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${name}${JSON.stringify(labels)} stayed at ${value} < ${atLeast} for ${timeoutMs} ms:\n${p.tail()}`);
  }

  async cassandra(): Promise<CassandraClient> {
    const c = createCassandraClient(testServers().cassandra);
    await c.connect();
    return c;
  }

  async cleanUp(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill('SIGKILL')));
    await this.producer?.disconnect();
    const admin = await KafkaAdmin.connect(testServers().kafka);
    await admin.deleteTopics([...Object.values(this.topics as unknown as Record<string, string>), this.changelog]).catch(() => undefined);
    await admin.disconnect();
    const c = await this.cassandra();
    await c.execute(`DROP KEYSPACE IF EXISTS ${this.keyspace}`).catch(() => undefined);
    await c.shutdown();
    if (this.stateDir) await rm(this.stateDir, { recursive: true, force: true });
  }
}
