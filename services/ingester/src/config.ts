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
