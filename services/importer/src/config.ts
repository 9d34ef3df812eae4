import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { DEFAULT_FUTURE_TOLERANCE_MS } from '@mobilecs/domain';
import { boolFromEnv, commonEnvSchema, intFromEnv, loadConfig } from '@mobilecs/platform';
import { DEFAULT_EXCLUDE, globProblem, parseGlobList } from './name-filter';

const DAY = 86_400_000;

/** A comma-separated list of file-name globs (picomatch), each checked at start-up. */
const globList = z
  .string()
  .transform(parseGlobList)
  .superRefine((globs, ctx) => {
    for (const glob of globs) {
      const problem = globProblem(glob);
      if (problem) ctx.addIssue({ code: 'custom', message: `not a file-name glob: ${problem}` });
    }
  });

export const importerEnvSchema = commonEnvSchema.extend({
  INCOMING_DATA_RECORDS_DIR: z.string().min(1).default('/tmp/incoming-data-records'),
  /** Lines per Kafka transaction: larger is faster, smaller loses less work on a crash. */
  IMPORTER_TRANSACTION_LINES: intFromEnv(1, 100_000).default(2000),
  /** A file that is not renamed into place must keep its size this long before it is read. */
  IMPORTER_STABILITY_MS: intFromEnv(0, 600_000).default(300),
  /** Longest accepted line in bytes; longer lines are rejected (and not buffered whole). */
  IMPORTER_MAX_LINE_BYTES: intFromEnv(64, 1_048_576).default(4096),
  /**
   * Worker threads that parse and encode lines while the main thread reads and produces;
   * 0 does it all on the main thread. Default: the CPUs available to the process less the
   * main thread's, at most 2 — the main thread (kafkajs) is then the limit: one worker kept
   * up with it on the benchmark, more only cost memory (docs/benchmarks.md).
   */
  IMPORTER_ENCODER_WORKERS: intFromEnv(0, 64).default(Math.min(2, Math.max(1, availableParallelism() - 1))),
  /** Where completed files are moved; empty keeps them in place like the original. */
  IMPORTER_ARCHIVE_DIR: z.string().default(''),
  IMPORTER_TRANSACTIONAL_ID: z.string().min(1).default('mobilecs-importer'),
  TOPIC_IMPORTER_PROGRESS: z.string().min(1).default('importer-progress'),
  /** Poll the folder instead of inotify (network file systems, some container volumes). */
  IMPORTER_POLL: boolFromEnv.default(false),
  /** File names imported: comma-separated globs matched against the name (picomatch). */
  IMPORTER_INCLUDE: globList.pipe(z.array(z.string()).min(1, 'at least one pattern, e.g. * or *.csv')).default(['*']),
  /** File names never imported, even when included; replaces the default list when set (empty: none). */
  IMPORTER_EXCLUDE: globList.default([...DEFAULT_EXCLUDE]),
  /** A line stamped later than the wall clock + this goes to dead letters (recorded-at-in-future). */
  EVENT_TIME_FUTURE_TOLERANCE_MS: intFromEnv(0, 366 * DAY).default(DEFAULT_FUTURE_TOLERANCE_MS),
  HTTP_PORT: intFromEnv(0, 65_535).default(8081),
});

export type ImporterConfig = z.infer<typeof importerEnvSchema>;

export function loadImporterConfig(env: NodeJS.ProcessEnv = process.env): ImporterConfig {
  return loadConfig('importer', importerEnvSchema, env);
}
