// What the latency and soak benchmarks share: the importer and the ingester as child
// processes (their default settings) on the benchmark's own topics, folder and keyspace,
// and a read_committed reader of the aggregates that notes when each agreement's first
// DATA_PLAN_EXCEEDED arrives.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaConsumer, ensureTopics, type TopicNames } from '@mobilecs/platform';
import { ingesterEnv, pipelineEnv, servicePort, startService, topicList, topicNames, type BenchServers, type BenchService, type Cleanup } from './support';

export interface PipelineSetup {
  tag: string;
  names: TopicNames;
  partitions: number;
  /** The importer's incoming folder. */
  dir: string;
}

/** Topics (with the importer's progress topic and the ingester's changelog) and the folder, removed by `cleanup`. */
export async function preparePipeline(servers: BenchServers, cleanup: Cleanup, tag: string, partitions: number): Promise<PipelineSetup> {
  const names = topicNames(tag);
  cleanup.topic(...topicList(names), `${tag}.importer-progress`, `${tag}.changelog`);
  cleanup.keyspace(tag);
  const dir = mkdtempSync(join(tmpdir(), `${tag}-`));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  await ensureTopics(servers.kafka, { names, inputPartitions: partitions, outputPartitions: partitions, replicationFactor: 1 }, [
    { topic: `${tag}.importer-progress`, partitions: 1, replicationFactor: 1, config: { 'cleanup.policy': 'compact' } },
    { topic: `${tag}.changelog`, partitions, replicationFactor: 1, config: { 'cleanup.policy': 'compact', 'max.message.bytes': '16777216' } },
  ]);
  return { tag, names, partitions, dir };
}

export interface RunningPipeline {
  importer: BenchService;
  ingester: BenchService;
  importerPort: number;
  ingesterPort: number;
  /** Agreement id → wall clock of its first DATA_PLAN_EXCEEDED at the reader. */
  arrived: Map<string, number>;
}

/** Starts both services and the reader; resolves once both services are ready. */
export async function startPipeline(servers: BenchServers, cleanup: Cleanup, p: PipelineSetup): Promise<RunningPipeline> {
  const importer = cleanup.process(
    startService('importer', { ...pipelineEnv(servers, p.names, p.partitions), INCOMING_DATA_RECORDS_DIR: p.dir, TOPIC_IMPORTER_PROGRESS: `${p.tag}.importer-progress`, IMPORTER_TRANSACTIONAL_ID: p.tag }),
  );
  const ingester = cleanup.process(startService('ingester', ingesterEnv(servers, p.names, p.tag, p.partitions)));
  const arrived = new Map<string, number>();
  const consumer = await KafkaConsumer.connect(servers.kafka, { groupId: `${p.tag}-reader`, readCommitted: true });
  cleanup.add(() => consumer.disconnect());
  await consumer.subscribe([p.names.dataRecordsAggregates]);
  await consumer.run({
    eachBatch: async (b) => {
      const now = Date.now();
      for (const m of b.messages) {
        const v = JSON.parse(m.value?.toString() ?? '{}') as { type?: string; agreementId?: string };
        if (v.type === 'DATA_PLAN_EXCEEDED' && v.agreementId && !arrived.has(v.agreementId)) arrived.set(v.agreementId, now);
      }
    },
  });
  const [importerPort, ingesterPort] = await Promise.all([servicePort(importer, 'importer'), servicePort(ingester, 'ingester')]);
  return { importer, ingester, importerPort, ingesterPort, arrived };
}
