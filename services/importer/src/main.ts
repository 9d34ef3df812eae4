import { KafkaAdmin, ProducerFencedError, runService } from '@mobilecs/platform';
import { loadImporterConfig } from './config';
import { importerMetrics } from './importer-metrics';
import { ImporterService } from './importer-service';
import { kafkaImporterPorts } from './ports';

// Filled in as start-up proceeds; the health checks look at what is there.
const live: { service?: ImporterService; admin?: KafkaAdmin } = {};

void runService({
  name: 'importer',
  loadConfig: loadImporterConfig,
  startFields: (config) => ({ dir: config.INCOMING_DATA_RECORDS_DIR }),
  stoppingMessage: 'shutting down: committing the transaction in progress',
  http: () => ({
    checks: [
      {
        name: 'importer',
        check: async () => {
          if (live.service?.state !== 'running') throw new Error(`importer is ${live.service?.state ?? 'starting'}`);
        },
      },
      {
        name: 'kafka',
        check: async () => {
          if (!live.admin) throw new Error('not connected yet');
          await live.admin.listTopics();
        },
      },
    ],
  }),
  async start({ config, kafka, log, registry, waitForServers, ensureTopics, onShutdown, shutdown }) {
    await waitForServers({ kafkaMs: 120_000 });
    await ensureTopics([
      { topic: config.TOPIC_IMPORTER_PROGRESS, partitions: 1, replicationFactor: config.TOPIC_REPLICATION_FACTOR, config: { 'cleanup.policy': 'compact' } },
    ]);
    const admin = await KafkaAdmin.connect(kafka);
    live.admin = admin;
    onShutdown(() => admin.disconnect().catch(() => undefined));
    const service = new ImporterService(config, kafkaImporterPorts(kafka), importerMetrics(registry), log, (err) => {
      const fenced = err instanceof ProducerFencedError;
      log.fatal({ err }, fenced ? 'another importer with the same transactional id took over: exiting' : 'the importer cannot continue: exiting');
      void shutdown(fenced ? 'fenced' : 'fatal', 1);
    });
    live.service = service;
    onShutdown(() => service.stop());
    await service.start();
  },
});
