import { hostname, networkInterfaces } from 'node:os';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { DEFAULT_FUTURE_TOLERANCE_MS, DEFAULT_MAX_RAW_BYTES } from '@mobilecs/domain';
import { boolFromEnv, commonEnvSchema, intFromEnv, loadConfig } from '@mobilecs/platform';

const DAY = 86_400_000;

export const ingesterEnvSchema = commonEnvSchema.extend({
  HTTP_PORT: intFromEnv(0, 65_535).default(8082),
  INGESTER_GROUP_ID: z.string().min(1).default('mobilecs-ingester'),
  /** Transactional ids are `<prefix>-<input partition>`: one per input partition, which fences zombies. */
  INGESTER_TRANSACTIONAL_ID_PREFIX: z.string().min(1).default('mobilecs-ingester'),
  TOPIC_INGESTER_CHANGELOG: z.string().min(1).default('mobilecs-ingester-state-changelog'),
  INGESTER_OUT_OF_ORDERNESS_MS: intFromEnv(0).default(0),
  /** A caught-up partition without records for this long does not hold the watermark back. */
  INGESTER_IDLE_TIMEOUT_MS: intFromEnv(0).default(10_000),
  INGESTER_ALLOWED_LATENESS_MS: intFromEnv(0).default(0),
  INGESTER_MAX_HELD_RECORDS_PER_MSISDN: intFromEnv(1).default(10_000),
  INGESTER_MAX_HOLD_MS: intFromEnv(1).default(35 * DAY),
  /** Optional wall-clock close of months whose feed stopped (off by default, as the original). */
  INGESTER_WALL_CLOCK_CLOSE: boolFromEnv.default(false),
  INGESTER_WALL_CLOCK_GRACE_MS: intFromEnv(0).default(DAY),
  INGESTER_WALL_CLOCK_IDLE_MS: intFromEnv(0).default(60 * 60_000),
  /** Concurrent Cassandra writes. */
  INGESTER_CASSANDRA_CONCURRENCY: intFromEnv(1, 1024).default(64),
  /** Rows of one Cassandra partition written as one unlogged batch (1 = a request per row). */
  INGESTER_CASSANDRA_BATCH_ROWS: intFromEnv(1, 200).default(20),
  /** Consumer-group session timeout: how soon a crashed instance's partitions move on. */
  INGESTER_SESSION_TIMEOUT_MS: intFromEnv(6000, 300_000).default(30_000),
  /** How often idleness and the wall clock are checked. */
  INGESTER_TICK_MS: intFromEnv(50, 60_000).default(1000),
  /** Records stamped later than wall clock + this are dead letters; the watermark never passes it. */
  EVENT_TIME_FUTURE_TOLERANCE_MS: intFromEnv(0, 366 * DAY).default(DEFAULT_FUTURE_TOLERANCE_MS),
  /** A partition with input waiting and no commit for this long makes /health/ready 503. */
  INGESTER_STALL_AFTER_MS: intFromEnv(1000, DAY).default(60_000),
  /** A watermark move larger than this in one step is logged and counted (ingester_watermark_jumps_total). */
  INGESTER_WATERMARK_JUMP_MS: intFromEnv(1).default(DAY),
  /** Longest raw input kept in a dead letter (bytes); longer values are cut and carry their length and SHA-256. */
  INGESTER_DEAD_LETTER_MAX_RAW_BYTES: intFromEnv(64, 131_072).default(DEFAULT_MAX_RAW_BYTES),
  /**
   * The URL other instances reach this one's live queries at (Kafka Streams'
   * application.server), advertised in its consumer-group member metadata. Default: see
   * defaultAdvertisedUrl.
   */
  INGESTER_ADVERTISED_URL: z
    // Empty = not set (compose and k8s give every replica the same environment).
    .preprocess((v) => (v === '' ? undefined : v), z
    .url({ protocol: /^https?$/, error: 'an http:// or https:// URL other instances can reach this one at, e.g. http://ingester-0.ingester:8082' })
    .refine((u) => {
      const url = new URL(u);
      return (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username;
    }, 'scheme, host and port only (no path, query or credentials), e.g. http://10.0.0.7:8082')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional()),
  /** Time for a live query's call to another instance (or to Kafka for the group's members); then 503. */
  INGESTER_QUERY_TIMEOUT_MS: intFromEnv(100, 60_000).default(2000),
  /** Deepest row a subscriber page may reach (offset + limit): each instance sends that many rows to the one asked. */
  INGESTER_QUERY_MAX_ROWS: intFromEnv(500, 1_000_000).default(10_000),
  /**
   * Directory of local state snapshots (one file per input partition, see
   * local-snapshots.ts): restarts read the changelog only after them. Empty = off (every
   * restore reads the whole changelog). Keep it on a persistent volume of this instance.
   */
  INGESTER_STATE_DIR: z
    .string()
    .default('')
    .refine((d) => d === '' || isAbsolute(d), 'an absolute path of a directory this instance may write (e.g. /var/lib/mobilecs/ingester), or empty for no local snapshots'),
  /**
   * A partition's snapshot is rewritten after a commit once this many of its keys changed
   * and at least as many as the last snapshot holds (taking the state costs ~1 µs per
   * entry of the instance's whole state, on the hot path)…
   */
  INGESTER_SNAPSHOT_MIN_CHANGES: intFromEnv(1, 100_000_000).default(10_000),
  /** …or once this long passed since its last one (and anything changed). */
  INGESTER_SNAPSHOT_INTERVAL_MS: intFromEnv(0, DAY).default(300_000),
  /** Test hook: pause between writing a snapshot's temp file and renaming it (a test kills the process there). */
  INGESTER_SNAPSHOT_TEST_PAUSE_MS: intFromEnv(0, 600_000).default(0),
});

export type IngesterConfig = z.infer<typeof ingesterEnvSchema>;

export function loadIngesterConfig(env: NodeJS.ProcessEnv = process.env): IngesterConfig {
  return loadConfig('ingester', ingesterEnvSchema, env);
}

/**
 * The advertised URL when INGESTER_ADVERTISED_URL is not set, from the address the HTTP
 * server is bound to and the port it got: loopback → http://127.0.0.1:<port> (only this
 * machine can reach it anyway); every interface (0.0.0.0, ::) → the machine's host name
 * (a container's or pod's name); a specific address → that address.
 */
export function defaultAdvertisedUrl(bindAddress: string, port: number, hostName: string = hostname(), address: string | null = firstExternalIPv4() ?? null): string {
  const loopback = bindAddress === 'localhost' || bindAddress === '::1' || bindAddress.startsWith('127.');
  const any = bindAddress === '0.0.0.0' || bindAddress === '::';
  // Every interface: the machine's own address (a pod's or container's IP, which its peers
  // reach without any DNS name for it), else its host name.
  const host = loopback ? '127.0.0.1' : any ? (address ?? hostName) : bindAddress;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The first non-internal IPv4 address of this machine, if it has one. */
export function firstExternalIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}
