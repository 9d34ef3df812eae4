import { fileURLToPath } from 'node:url';
import { boolFromEnv, commonEnvSchema, exposureProblem, intFromEnv, loadConfig } from '@mobilecs/platform';
import { isKnownTimeZone } from '@mobilecs/domain';
import { z } from 'zod';

export const SERVICE = 'generator-backend';

const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../web/dashboard/dist', import.meta.url));

export const configSchema = commonEnvSchema.extend({
  HTTP_PORT: intFromEnv(0, 65535).default(8080),
  INCOMING_DATA_RECORDS_DIR: z.string().min(1).default('/tmp/incoming-data-records'),
  /** The original's batch size: agreements per call, msisdns per file, agreements per direct call. */
  GENERATOR_BATCH_SIZE: intFromEnv(1, 100_000).default(1),
  /** The original's months per file (and per agreement of the direct generator). */
  GENERATOR_MONTHS: intFromEnv(1, 1200).default(1),
  /** Upper bound of ?count= (guards memory: a file holds count × ~30 × months lines). */
  GENERATOR_MAX_COUNT: intFromEnv(1, 100_000).default(1000),
  /** Upper bound of ?months=. */
  GENERATOR_MAX_MONTHS: intFromEnv(1, 1200).default(24),
  /**
   * Most lines one generate call may produce (agreements; msisdns × days of a file; direct
   * records), computed before generating: a call beyond it is refused (413).
   */
  GENERATOR_MAX_LINES_PER_CALL: intFromEnv(1, 10_000_000).default(200_000),
  /** The compacted topic the generators' sequences are kept in (created at start when ENSURE_TOPICS). */
  TOPIC_GENERATOR_SEQUENCES: z.string().min(1).default('generator-sequences'),
  /** GraphiQL (/graphiql) and GraphQL introspection: off unless asked for (npm start turns them on). */
  GENERATOR_GRAPHIQL: boolFromEnv.default(false),
  /** GraphQL limits, checked before a query runs (GraphQL Armor and graphql-js's parser). */
  GENERATOR_GRAPHQL_MAX_ALIASES: intFromEnv(0, 10_000).default(15),
  GENERATOR_GRAPHQL_MAX_DEPTH: intFromEnv(1, 100).default(6),
  GENERATOR_GRAPHQL_MAX_COST: intFromEnv(1, 1_000_000).default(1000),
  GENERATOR_GRAPHQL_MAX_TOKENS: intFromEnv(10, 1_000_000).default(1000),
  /** Zone of the billing period of records upserted through PUT / upsertDataRecord. */
  BILLING_PERIOD_TIME_ZONE: z.string().refine(isKnownTimeZone, 'unknown IANA time zone').default('Europe/Warsaw'),
  /** Create the topics and the Cassandra schema at start-up if missing. */
  ENSURE_TOPICS: boolFromEnv.default(true),
  ENSURE_SCHEMA: boolFromEnv.default(true),
  /** How long start-up waits for Kafka and Cassandra before giving up. */
  STARTUP_TIMEOUT_MS: intFromEnv(0).default(120_000),
  /** How long a graceful shutdown waits for requests in flight. */
  SHUTDOWN_TIMEOUT_MS: intFromEnv(0).default(15_000),
  /**
   * Bearer token the endpoints that write data require (generate, PUT, GraphQL). Optional
   * on loopback; required when HTTP_BIND_ADDRESS reaches beyond this machine. Empty = unset.
   */
  /** One ingester address (a k8s Service, a compose service name): any instance answers live usage for all. */
  INGESTER_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:8082' }).default('http://127.0.0.1:8082'),
  /** The built dashboard served at /; empty: this checkout's web/dashboard/dist. */
  DASHBOARD_DIR: z.string().default('').transform((d) => d || DEFAULT_DASHBOARD_DIR),
  /** Open alert streams (server-sent events) at most; one more is answered 503. */
  DASHBOARD_MAX_ALERT_STREAMS: intFromEnv(1, 10_000).default(100),
  /** Alerts kept in memory for the alerts page (the newest; also how much of the topic's tail is read at start). */
  DASHBOARD_ALERTS_KEPT: intFromEnv(1, 100_000).default(1000),
  API_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'must be at least 16 characters').optional()),
}).superRefine((c, ctx) => {
  const exposure = exposureProblem(c.HTTP_BIND_ADDRESS, c.API_TOKEN);
  if (exposure) ctx.addIssue({ code: 'custom', path: ['API_TOKEN'], message: exposure });
  if (c.GENERATOR_BATCH_SIZE > c.GENERATOR_MAX_COUNT) {
    ctx.addIssue({ code: 'custom', path: ['GENERATOR_BATCH_SIZE'], message: `must not exceed GENERATOR_MAX_COUNT (${c.GENERATOR_MAX_COUNT})` });
  }
  if (c.GENERATOR_MONTHS > c.GENERATOR_MAX_MONTHS) {
    ctx.addIssue({ code: 'custom', path: ['GENERATOR_MONTHS'], message: `must not exceed GENERATOR_MAX_MONTHS (${c.GENERATOR_MAX_MONTHS})` });
  }
});

export type GeneratorConfig = z.infer<typeof configSchema>;

export function loadGeneratorConfig(env: NodeJS.ProcessEnv = process.env): GeneratorConfig {
  return loadConfig(SERVICE, configSchema, env);
}
