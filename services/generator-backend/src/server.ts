// Wiring of the real dependencies (Kafka, Cassandra, the folder) and the HTTP server,
// with a graceful stop; main.ts runs it from the environment, tests run it in-process.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import express from 'express';
import { Counter } from 'prom-client';
import {
  KafkaProducer,
  bearerTokenGuard,
  createCassandraClient,
  createLogger,
  createMetricsRegistry,
  ensureSchema,
  ensureTopics,
  topicLayout,
  retry,
  probeCassandra,
  probeKafka,
  type CassandraClient,
  type Logger,
} from '@mobilecs/platform';
import { CassandraDataRecordStore } from './adapters/cassandra-data-record-store';
import { IngesterClient } from './adapters/ingester-client';
import { KafkaAlertFeed } from './adapters/kafka-alert-feed';
import { AlertLog } from './dashboard/alert-log';
import { FsIncomingFolder } from './adapters/fs-incoming-folder';
import { KafkaAgreementPublisher } from './adapters/kafka-agreement-publisher';
import { KafkaSequenceStore, sequencesTopicSpec } from './adapters/kafka-sequence-store';
import { createApp, requestIds } from './app';
import { SERVICE, type GeneratorConfig } from './config';
import { isWriteRequest } from './write-requests';

export interface RunningServer {
  port: number;
  url: string;
  server: Server;
  /** Stops accepting, finishes requests in flight, then disconnects Kafka and Cassandra. */
  stop(): Promise<void>;
}

/** Start-up waits for a dependency: retried with backoff (0.5 s … 5 s) until STARTUP_TIMEOUT_MS, each failure logged. */
function startupRetry<T>(what: string, timeoutMs: number, logger: Logger, op: () => Promise<T>): Promise<T> {
  return retry(op, {
    what,
    initialDelayMs: 500,
    maxDelayMs: 5000,
    timeoutMs,
    onRetry: ({ attempt, err }) => logger.warn({ attempt, err: err instanceof Error ? err.message : String(err) }, `${what} not ready, retrying`),
  });
}

export async function startServer(config: GeneratorConfig, logger: Logger = createLogger(SERVICE, config.LOG_LEVEL)): Promise<RunningServer> {
  const kafka = { brokers: config.KAFKA_BROKERS, clientId: SERVICE };
  const cassandraConn = { contactPoints: config.CASSANDRA_CONTACT_POINTS, localDataCenter: config.CASSANDRA_LOCAL_DATA_CENTER };

  if (config.ENSURE_TOPICS) {
    await startupRetry('Kafka', config.STARTUP_TIMEOUT_MS, logger, () =>
      ensureTopics(kafka, topicLayout(config), [sequencesTopicSpec(config.TOPIC_GENERATOR_SEQUENCES, config.TOPIC_REPLICATION_FACTOR)]),
    );
  }
  const producer = await startupRetry('Kafka', config.STARTUP_TIMEOUT_MS, logger, () => KafkaProducer.connect(kafka));
  let cassandra: CassandraClient | undefined;
  try {
    cassandra = await startupRetry('Cassandra', config.STARTUP_TIMEOUT_MS, logger, async () => {
      const c = createCassandraClient(cassandraConn);
      try {
        await c.connect();
        return c;
      } catch (err) {
        await c.shutdown().catch(() => undefined);
        throw err;
      }
    });
    if (config.ENSURE_SCHEMA) {
      await ensureSchema(cassandra, {
        keyspace: config.CASSANDRA_KEYSPACE,
        replication: { class: 'SimpleStrategy', replication_factor: config.CASSANDRA_REPLICATION_FACTOR },
      });
    }
  } catch (err) {
    await producer.disconnect().catch(() => undefined);
    await cassandra?.shutdown().catch(() => undefined);
    throw err;
  }
  const cassandraClient = cassandra;

  const sequences = new KafkaSequenceStore(kafka, config.TOPIC_GENERATOR_SEQUENCES);
  const registry = createMetricsRegistry(SERVICE);
  const statements = new Counter({
    name: 'mobilecs_generator_cassandra_statements_total',
    help: 'CQL statements executed for the data-record API and generator, by kind (select, sum, insert)',
    labelNames: ['op'] as const,
    registers: [registry],
  });
  const store = new CassandraDataRecordStore(cassandraClient, config.CASSANDRA_KEYSPACE, 64, (op) => statements.inc({ op }));
  const alerts = new AlertLog(config.DASHBOARD_ALERTS_KEPT);
  const alertFeed = new KafkaAlertFeed(kafka, config.TOPIC_DATA_RECORDS_AGGREGATES, alerts, logger, config.DASHBOARD_ALERTS_KEPT);
  const { app, generation, closeStreams } = createApp({
    publisher: new KafkaAgreementPublisher(producer, config.TOPIC_AGREEMENTS),
    folder: new FsIncomingFolder(config.INCOMING_DATA_RECORDS_DIR),
    store,
    pages: store,
    dashboard: { ingester: new IngesterClient(config.INGESTER_URL), alerts, dashboardDir: config.DASHBOARD_DIR, maxStreams: config.DASHBOARD_MAX_ALERT_STREAMS },
    logger,
    registry,
    readinessChecks: [
      { name: 'kafka', label: 'Kafka', check: () => probeKafka(kafka, `${SERVICE}-readiness`) },
      { name: 'cassandra', label: 'Cassandra', check: async () => void (await probeCassandra(cassandraConn)) },
      {
        name: 'alerts',
        label: 'the alert feed',
        check: async () => {
          if (!alertFeed.running) throw new Error(`not reading ${config.TOPIC_DATA_RECORDS_AGGREGATES} yet`);
        },
      },
    ],
    limits: {
      defaultCount: config.GENERATOR_BATCH_SIZE,
      defaultMonths: config.GENERATOR_MONTHS,
      maxCount: config.GENERATOR_MAX_COUNT,
      maxMonths: config.GENERATOR_MAX_MONTHS,
      maxLinesPerCall: config.GENERATOR_MAX_LINES_PER_CALL,
    },
    sequences,
    scopes: {
      agreements: config.TOPIC_AGREEMENTS,
      files: resolve(config.INCOMING_DATA_RECORDS_DIR),
      dataRecords: config.CASSANDRA_KEYSPACE,
    },
    graphql: {
      graphiql: config.GENERATOR_GRAPHIQL,
      limits: {
        maxAliases: config.GENERATOR_GRAPHQL_MAX_ALIASES,
        maxDepth: config.GENERATOR_GRAPHQL_MAX_DEPTH,
        maxCost: config.GENERATOR_GRAPHQL_MAX_COST,
        maxTokens: config.GENERATOR_GRAPHQL_MAX_TOKENS,
      },
    },
    billingPeriodTimeZone: config.BILLING_PERIOD_TIME_ZONE,
    clock: () => Date.now(),
  });

  // The sequences of the last run (or of the other replicas): the next call continues them.
  try {
    const { restored } = await startupRetry('Kafka (generator sequences)', config.STARTUP_TIMEOUT_MS, logger, () => generation.load());
    logger.info({ topic: config.TOPIC_GENERATOR_SEQUENCES, restored }, 'generator sequences loaded');
    // The alerts page's feed: the aggregates topic's tail, then each committed message.
    await startupRetry('Kafka (alert feed)', config.STARTUP_TIMEOUT_MS, logger, () => alertFeed.start());
    logger.info({ topic: config.TOPIC_DATA_RECORDS_AGGREGATES, kept: config.DASHBOARD_ALERTS_KEPT }, 'alert feed started');
  } catch (err) {
    await alertFeed.stop();
    await sequences.close();
    await producer.disconnect().catch(() => undefined);
    await cassandraClient.shutdown().catch(() => undefined);
    throw err;
  }

  // The token check comes before every route of the app (private by default: see write-requests.ts).
  const guarded = express();
  guarded.disable('x-powered-by');
  guarded.use(requestIds());
  guarded.use(bearerTokenGuard(config.API_TOKEN, isWriteRequest, logger));
  guarded.use(app);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = guarded.listen(config.HTTP_PORT, config.HTTP_BIND_ADDRESS, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, bindAddress: config.HTTP_BIND_ADDRESS, apiToken: config.API_TOKEN !== undefined, incomingDir: config.INCOMING_DATA_RECORDS_DIR, keyspace: config.CASSANDRA_KEYSPACE }, 'generator-backend listening');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('stopping: no new connections, finishing requests in flight');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Alert streams never end by themselves: ended here, the browser reconnects elsewhere.
      closeStreams();
      server.closeIdleConnections();
      const timeout = new Promise<void>((resolve) =>
        setTimeout(() => {
          logger.warn('shutdown timeout: closing remaining connections');
          server.closeAllConnections();
          resolve();
        }, config.SHUTDOWN_TIMEOUT_MS).unref(),
      );
      await Promise.race([closed, timeout]);
      await generation.idle();
      await alertFeed.stop();
      await sequences.close();
      await producer.disconnect().catch((err: unknown) => logger.warn({ err }, 'Kafka disconnect failed'));
      await cassandraClient.shutdown().catch((err: unknown) => logger.warn({ err }, 'Cassandra shutdown failed'));
      logger.info('stopped');
    })());

  return { port, url: `http://127.0.0.1:${port}`, server, stop };
}
