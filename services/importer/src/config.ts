import { z } from 'zod';
import { boolFromEnv, commonEnvSchema, intFromEnv, loadConfig } from '@mobilecs/platform';

export const importerEnvSchema = commonEnvSchema.extend({
  INCOMING_DATA_RECORDS_DIR: z.string().min(1).default('/tmp/incoming-data-records'),
  /** Lines per Kafka transaction: larger is faster, smaller loses less work on a crash. */
  IMPORTER_TRANSACTION_LINES: intFromEnv(1, 100_000).default(2000),
  /** A file that is not renamed into place must keep its size this long before it is read. */
  IMPORTER_STABILITY_MS: intFromEnv(0, 600_000).default(300),
  /** Longest accepted line in bytes; longer lines are rejected (and not buffered whole). */
  IMPORTER_MAX_LINE_BYTES: intFromEnv(64, 1_048_576).default(4096),
  /** Where completed files are moved; empty keeps them in place like the original. */
  IMPORTER_ARCHIVE_DIR: z.string().default(''),
  IMPORTER_TRANSACTIONAL_ID: z.string().min(1).default('mobilecs-importer'),
  TOPIC_IMPORTER_PROGRESS: z.string().min(1).default('importer-progress'),
  /** Poll the folder instead of inotify (network file systems, some container volumes). */
  IMPORTER_POLL: boolFromEnv.default(false),
  HTTP_PORT: intFromEnv(0, 65_535).default(8081),
});

export type ImporterConfig = z.infer<typeof importerEnvSchema>;

export function loadImporterConfig(env: NodeJS.ProcessEnv = process.env): ImporterConfig {
  return loadConfig('importer', importerEnvSchema, env);
}
