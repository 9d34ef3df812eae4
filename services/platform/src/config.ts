import { z } from 'zod';
import { PlatformError } from './errors';

/** Configuration could not be read; lists every bad variable with the reason. */
export class ConfigError extends PlatformError {
  readonly code = 'CONFIG_INVALID';
  readonly retriable = false;
  constructor(readonly service: string, readonly problems: string[]) {
    super(`${service}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const hostPortList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[^\s:,]+(:\d{1,5})?$/, 'expected host:port')).min(1, 'at least one host:port'));

export const intFromEnv = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int('must be an integer').min(min).max(max);

/** Kafka's smallest `segment.bytes` since 4.0 (KIP-1030), hence the smallest retention by size we accept. */
export const MIN_SEGMENT_BYTES = 1_048_576;

/** `retention.bytes` per partition (Kafka's meaning): -1 (no limit) or at least one smallest segment. */
export const retentionBytesFromEnv = z.coerce
  .number()
  .int('must be an integer')
  .refine((v) => v === -1 || (v >= MIN_SEGMENT_BYTES && v <= Number.MAX_SAFE_INTEGER), {
    message: `bytes per partition: -1 (no limit) or from ${MIN_SEGMENT_BYTES} (1 MiB, Kafka's smallest segment) to ${Number.MAX_SAFE_INTEGER}`,
  });

/** Default retention by size of dead-letters and data-records-late: 1 GiB per partition. */
export const DEFAULT_RETENTION_BYTES = 1_073_741_824;

export const boolFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Environment variables every service shares: Kafka, Cassandra, topics, HTTP port, log level. */
export const commonEnvSchema = z.object({
  KAFKA_BROKERS: hostPortList.default(['127.0.0.1:9092']),
  CASSANDRA_CONTACT_POINTS: hostPortList.default(['127.0.0.1:9042']),
  CASSANDRA_LOCAL_DATA_CENTER: z.string().min(1).default('datacenter1'),
  CASSANDRA_KEYSPACE: z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, 'lower-case letters, digits and _').default('mobilecs'),
  CASSANDRA_REPLICATION_FACTOR: intFromEnv(1, 9).default(1),
  TOPIC_PARTITIONS: intFromEnv(1, 1000).default(6),
  TOPIC_REPLICATION_FACTOR: intFromEnv(1, 9).default(1),
  TOPIC_AGREEMENTS: z.string().min(1).default('agreements'),
  TOPIC_INCOMING_DATA_RECORDS: z.string().min(1).default('incoming-data-records'),
  TOPIC_DATA_RECORDS_AGGREGATES: z.string().min(1).default('data-records-aggregates'),
  TOPIC_DEAD_LETTERS: z.string().min(1).default('dead-letters'),
  TOPIC_DATA_RECORDS_LATE: z.string().min(1).default('data-records-late'),
  /** Retention by size per partition of dead-letters / data-records-late (applied to existing topics too). */
  TOPIC_DEAD_LETTERS_RETENTION_BYTES: retentionBytesFromEnv.default(DEFAULT_RETENTION_BYTES),
  TOPIC_DATA_RECORDS_LATE_RETENTION_BYTES: retentionBytesFromEnv.default(DEFAULT_RETENTION_BYTES),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Address the HTTP server listens on: loopback unless told otherwise (containers set 0.0.0.0). */
  HTTP_BIND_ADDRESS: z
    .string()
    .regex(/^(?:[0-9a-fA-F:.]+|[a-zA-Z0-9.-]+)$/, 'an IP address or a host name, e.g. 127.0.0.1 or 0.0.0.0')
    .default('127.0.0.1'),
});

/**
 * Validates the environment against a zod schema at start-up; on failure throws a
 * ConfigError naming each variable, its value and what is wrong, before any I/O.
 */
export function loadConfig<S extends z.ZodType>(service: string, schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    const value = name ? env[name] : undefined;
    return `${name || '(env)'}${value !== undefined ? `=${JSON.stringify(value)}` : ''}: ${issue.message}`;
  });
  throw new ConfigError(service, problems);
}
