import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConfigError,
  KafkaAdmin,
  createLogger,
  createMetricsRegistry,
  ensureTopics,
  topicRetention,
  operationsRouter,
  waitForKafka,
} from '@mobilecs/platform';
import { loadImporterConfig } from './config';
import { importerMetrics } from './importer-metrics';
import { ImporterService } from './importer-service';

async function main(): Promise<void> {
  let config;
  try {
    config = loadImporterConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger('importer', config.LOG_LEVEL);
  const kafka = { brokers: config.KAFKA_BROKERS, clientId: 'mobilecs-importer' };
  const registry = createMetricsRegistry('importer');
  const metrics = importerMetrics(registry);

  // Filled in as start-up proceeds; the health checks and shutdown look at what is there.
  const live: { service?: ImporterService; admin?: KafkaAdmin } = {};
  const app = express();
  app.use(
    operationsRouter(registry, [
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
    ]),
  );
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(config.HTTP_PORT, config.HTTP_BIND_ADDRESS, () => resolve(s));
  });
  // The runtime in the start line: what runs is what was tested (Node 24, see package.json).
  log.info({ port: (server.address() as AddressInfo).port, bindAddress: config.HTTP_BIND_ADDRESS, dir: config.INCOMING_DATA_RECORDS_DIR, node: process.version }, 'importer starting');

  await waitForKafka(kafka, 120_000);
  await ensureTopics(
    kafka,
    {
      names: {
        agreements: config.TOPIC_AGREEMENTS,
        incomingDataRecords: config.TOPIC_INCOMING_DATA_RECORDS,
        dataRecordsAggregates: config.TOPIC_DATA_RECORDS_AGGREGATES,
        deadLetters: config.TOPIC_DEAD_LETTERS,
        dataRecordsLate: config.TOPIC_DATA_RECORDS_LATE,
      },
      inputPartitions: config.TOPIC_PARTITIONS,
      outputPartitions: config.TOPIC_PARTITIONS,
      replicationFactor: config.TOPIC_REPLICATION_FACTOR,
      retention: topicRetention(config),
    },
    [
      {
        topic: config.TOPIC_IMPORTER_PROGRESS,
        partitions: 1,
        replicationFactor: config.TOPIC_REPLICATION_FACTOR,
        config: { 'cleanup.policy': 'compact' },
      },
    ],
  );
  live.admin = await KafkaAdmin.connect(kafka);

  const shutdown = async (signal: string, code = 0) => {
    log.info({ signal }, 'shutting down: committing the transaction in progress');
    await live.service?.stop().catch((err: unknown) => log.error({ err }, 'error while stopping'));
    await live.admin?.disconnect().catch(() => undefined);
    server.close();
    log.info('importer stopped');
    process.exit(code);
  };
  const service = new ImporterService(config, kafka, metrics, log, (err) => {
    log.fatal({ err }, 'another importer with the same transactional id took over: exiting');
    void shutdown('fenced', 1);
  });
  live.service = service;
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await service.start();
  log.info({ port: (server.address() as { port: number }).port }, 'importer ready');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
