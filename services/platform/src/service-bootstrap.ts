// One start and one stop for every service (fastify's habit: the configuration is
// validated before anything else, and a bad one ends the process with a message naming
// each variable). In order:
//   1. configuration from the environment, or the ConfigError on stderr and exit code 2;
//   2. the logger and the metrics registry;
//   3. with `http`: the HTTP server (health, metrics, the service's routes) listening on
//      HTTP_BIND_ADDRESS:HTTP_PORT, so /health/live answers while the rest starts;
//   4. "<name> starting" with the port, bind address and Node version (the runtime that
//      runs is the one tested: Node 24, see package.json);
//   5. the service's own start (wait for servers, topics, connections), then "<name> ready";
//   6. SIGTERM/SIGINT (and `shutdown` for a fatal error at run time): the stopping
//      message, the shutdown hooks in reverse order of registration (last started,
//      first stopped; the HTTP server last), "<name> stopped", exit.
// A failure during start-up is logged as "start-up failed" and ends with exit code 1.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { waitForCassandra, type CassandraConnection } from './cassandra';
import { ConfigError, type commonEnvSchema } from './config';
import { waitForKafka, type KafkaConnection, type TopicSpec } from './kafka';
import { createLogger, type Logger } from './logger';
import { createMetricsRegistry } from './metrics';
import { operationsRouter, type ReadinessCheck } from './operations-router';
import { ensureTopics, topicLayout, topicNames, type TopicNames } from './topics';

/** What every service's configuration has: the common variables and its HTTP port. */
export type ServiceConfig = z.infer<typeof commonEnvSchema> & { HTTP_PORT: number };

export interface ServiceContext<C extends ServiceConfig> {
  readonly name: string;
  readonly config: C;
  readonly log: Logger;
  /** Prometheus registry with the process metrics; /metrics serves it. */
  readonly registry: Registry;
  /** KAFKA_BROKERS with this service's client id. */
  readonly kafka: KafkaConnection;
  readonly cassandra: CassandraConnection;
  /** The configured names of the shared topics. */
  readonly topics: TopicNames;
  /** The port listened on (with `http`), else undefined. */
  readonly port: number | undefined;
  /** Aborted when the shutdown begins: long waits of the start-up end then. */
  readonly signal: AbortSignal;
  /** Waits until the servers answer: Kafka and/or Cassandra, each within its time. */
  waitForServers: (limits: { kafkaMs?: number; cassandraMs?: number }) => Promise<void>;
  /** Creates the shared topics (TOPIC_* names, partitions, retention) and `extra`, checking existing ones. */
  ensureTopics: (extra?: TopicSpec[]) => Promise<void>;
  /** Runs `hook` at shutdown; hooks run in reverse order of registration. */
  onShutdown: (hook: () => unknown) => void;
  /** A fatal error at run time: the graceful stop, then exit with `code`. */
  shutdown: (reason: string, code?: number) => Promise<void>;
}

export interface ServiceDefinition<C extends ServiceConfig> {
  /** The service name: in every log line, the metrics label and the start/ready/stopped lines. */
  name: string;
  /** Reads and validates the environment; throws a ConfigError naming every bad variable. */
  loadConfig: (env: NodeJS.ProcessEnv) => C;
  /** Kafka client id; default `mobilecs-<name>`. */
  kafkaClientId?: string;
  /** More fields for the start line. */
  startFields?: (config: C) => Record<string, unknown>;
  /**
   * The service's HTTP server, listening before `start`: the operations routes (health
   * with `checks`, metrics) and the service's own `routes`. Without it the service serves
   * HTTP itself (or not at all).
   */
  http?: (ctx: ServiceContext<C>) => { checks: ReadinessCheck[]; routes?: (app: Express) => void };
  /** Logged (with the signal) when a shutdown begins; default "shutdown requested". */
  stoppingMessage?: string;
  /** Starts the service; resolves when it is ready, with more fields for the ready line. */
  start: (ctx: ServiceContext<C>) => Promise<Record<string, unknown> | void>;
}

/** What runService touches of the process; tests give their own. */
export interface ServiceProcessHooks {
  env: NodeJS.ProcessEnv;
  exit: (code: number) => void;
  onSignal: (signal: 'SIGTERM' | 'SIGINT', handler: () => void) => void;
  stderr: (text: string) => void;
  createLogger?: (service: string, level: string) => Logger;
}

const realProcess: ServiceProcessHooks = {
  env: process.env,
  exit: (code) => process.exit(code),
  onSignal: (signal, handler) => process.once(signal, handler),
  stderr: (text) => process.stderr.write(text),
};

/** Reads the configuration (or exits with code 2), then starts the service and stops it on SIGTERM/SIGINT. */
export async function runService<C extends ServiceConfig>(def: ServiceDefinition<C>, proc: ServiceProcessHooks = realProcess): Promise<void> {
  let config: C;
  try {
    config = def.loadConfig(proc.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      proc.stderr(`${err.message}\n`);
      proc.exit(2);
      return;
    }
    proc.stderr(`${def.name}: start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    proc.exit(1);
    return;
  }
  const log = (proc.createLogger ?? createLogger)(def.name, config.LOG_LEVEL);
  const hooks: (() => unknown)[] = [];
  const abort = new AbortController();
  let port: number | undefined;
  let stopping: Promise<void> | undefined;

  const shutdown = (reason: string, code = 0): Promise<void> =>
    (stopping ??= (async () => {
      log.info({ signal: reason }, def.stoppingMessage ?? 'shutdown requested');
      abort.abort(new Error(`${def.name} is shutting down (${reason})`));
      let failed = false;
      for (const hook of hooks.splice(0).reverse()) {
        try {
          await hook();
        } catch (err) {
          failed = true;
          log.error({ err }, 'error while stopping');
        }
      }
      log.info(`${def.name} stopped`);
      proc.exit(failed && code === 0 ? 1 : code);
    })());

  const kafka: KafkaConnection = { brokers: config.KAFKA_BROKERS, clientId: def.kafkaClientId ?? `mobilecs-${def.name}` };
  const cassandra: CassandraConnection = { contactPoints: config.CASSANDRA_CONTACT_POINTS, localDataCenter: config.CASSANDRA_LOCAL_DATA_CENTER };
  const ctx: ServiceContext<C> = {
    name: def.name,
    config,
    log,
    registry: createMetricsRegistry(def.name),
    kafka,
    cassandra,
    topics: topicNames(config),
    get port() {
      return port;
    },
    signal: abort.signal,
    waitForServers: async (limits) => {
      await Promise.all([
        limits.kafkaMs === undefined ? undefined : waitForKafka(kafka, limits.kafkaMs, undefined, abort.signal),
        limits.cassandraMs === undefined ? undefined : waitForCassandra(cassandra, limits.cassandraMs, abort.signal),
      ]);
    },
    ensureTopics: (extra = []) => ensureTopics(kafka, topicLayout(config), extra),
    onShutdown: (hook) => void hooks.push(hook),
    shutdown,
  };
  proc.onSignal('SIGTERM', () => void shutdown('SIGTERM'));
  proc.onSignal('SIGINT', () => void shutdown('SIGINT'));

  try {
    const startFields = { ...def.startFields?.(config), node: process.version };
    if (def.http) {
      const { checks, routes } = def.http(ctx);
      const app = express();
      app.use(operationsRouter(ctx.registry, checks));
      routes?.(app);
      const server = await listen(app, config.HTTP_PORT, config.HTTP_BIND_ADDRESS);
      port = (server.address() as AddressInfo).port;
      ctx.onShutdown(() => void server.close());
      log.info({ port, bindAddress: config.HTTP_BIND_ADDRESS, ...startFields }, `${def.name} starting`);
    } else {
      log.info(startFields, `${def.name} starting`);
    }
    const readyFields = await def.start(ctx);
    if (stopping) return;
    log.info({ ...(port === undefined ? {} : { port }), ...readyFields }, `${def.name} ready`);
  } catch (err) {
    // A start-up cut short by a shutdown is not a failure.
    if (stopping) return;
    log.fatal({ err }, 'start-up failed');
    proc.exit(1);
  }
}

function listen(app: Express, port: number, bindAddress: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, bindAddress, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}
