import type { z } from 'zod';
import { commonEnvSchema, DEFAULT_RETENTION_BYTES, loadConfig, MIN_SEGMENT_BYTES } from './config';
import { KafkaAdmin, TopicLayoutError, type KafkaConnection, type TopicSpec } from './kafka';

/** The topics of mobilecs (system spec §2), overridable per deployment. */
export interface TopicNames {
  agreements: string;
  incomingDataRecords: string;
  dataRecordsAggregates: string;
  deadLetters: string;
  dataRecordsLate: string;
}

export const defaultTopicNames: TopicNames = {
  agreements: 'agreements',
  incomingDataRecords: 'incoming-data-records',
  dataRecordsAggregates: 'data-records-aggregates',
  deadLetters: 'dead-letters',
  dataRecordsLate: 'data-records-late',
};

export interface TopicLayout {
  names: TopicNames;
  /** Partitions of the co-partitioned input topics (agreements, incoming-data-records). */
  inputPartitions: number;
  /** Partitions of the output topics. */
  outputPartitions: number;
  replicationFactor: number;
  /**
   * Retention by size of the two topics that only fill up (dead letters, late records).
   * Absent: read from TOPIC_DEAD_LETTERS_RETENTION_BYTES / TOPIC_DATA_RECORDS_LATE_RETENTION_BYTES,
   * so every service that ensures the topics applies the same values.
   */
  retention?: TopicRetention;
}

/** `retention.bytes` per partition (Kafka's meaning); -1 = no limit. */
export interface TopicRetention {
  deadLettersBytes: number;
  dataRecordsLateBytes: number;
}

/** The configured retention of the common configuration (already validated at start-up). */
export function topicRetention(config: { TOPIC_DEAD_LETTERS_RETENTION_BYTES: number; TOPIC_DATA_RECORDS_LATE_RETENTION_BYTES: number }): TopicRetention {
  return { deadLettersBytes: config.TOPIC_DEAD_LETTERS_RETENTION_BYTES, dataRecordsLateBytes: config.TOPIC_DATA_RECORDS_LATE_RETENTION_BYTES };
}

/** The topic variables of the common configuration. */
export type TopicConfig = Pick<
  z.infer<typeof commonEnvSchema>,
  | 'TOPIC_AGREEMENTS'
  | 'TOPIC_INCOMING_DATA_RECORDS'
  | 'TOPIC_DATA_RECORDS_AGGREGATES'
  | 'TOPIC_DEAD_LETTERS'
  | 'TOPIC_DATA_RECORDS_LATE'
  | 'TOPIC_PARTITIONS'
  | 'TOPIC_REPLICATION_FACTOR'
  | 'TOPIC_DEAD_LETTERS_RETENTION_BYTES'
  | 'TOPIC_DATA_RECORDS_LATE_RETENTION_BYTES'
>;

/** The topic names a deployment configured (TOPIC_*). */
export function topicNames(config: TopicConfig): TopicNames {
  return {
    agreements: config.TOPIC_AGREEMENTS,
    incomingDataRecords: config.TOPIC_INCOMING_DATA_RECORDS,
    dataRecordsAggregates: config.TOPIC_DATA_RECORDS_AGGREGATES,
    deadLetters: config.TOPIC_DEAD_LETTERS,
    dataRecordsLate: config.TOPIC_DATA_RECORDS_LATE,
  };
}

/** The layout of the configured topics: inputs and outputs with TOPIC_PARTITIONS each, the configured retention. */
export function topicLayout(config: TopicConfig): TopicLayout {
  return {
    names: topicNames(config),
    inputPartitions: config.TOPIC_PARTITIONS,
    outputPartitions: config.TOPIC_PARTITIONS,
    replicationFactor: config.TOPIC_REPLICATION_FACTOR,
    retention: topicRetention(config),
  };
}

/** The retention variables from the environment; a bad value throws a ConfigError naming it. */
export function topicRetentionFromEnv(env: NodeJS.ProcessEnv = process.env): TopicRetention {
  return topicRetention(loadConfig('topics', commonEnvSchema.pick({ TOPIC_DEAD_LETTERS_RETENTION_BYTES: true, TOPIC_DATA_RECORDS_LATE_RETENTION_BYTES: true }), env));
}

const KAFKA_DEFAULT_SEGMENT_BYTES = 1_073_741_824;
const MAX_SEGMENT_BYTES = 134_217_728;

/**
 * Kafka deletes by size only whole, closed segments, and a segment closes at
 * `segment.bytes` (1 GiB by default): with a 1 GiB retention a partition would hold
 * up to 2 GiB before anything is deleted. A quarter of the retention (1 MiB … 128 MiB)
 * keeps a partition within about 1.25 × the retention (plus the active segment).
 */
export function segmentBytesFor(retentionBytes: number): number {
  if (retentionBytes < 0) return KAFKA_DEFAULT_SEGMENT_BYTES;
  return Math.min(MAX_SEGMENT_BYTES, Math.max(MIN_SEGMENT_BYTES, Math.floor(retentionBytes / 4)));
}

/** Configs of a topic bounded by size; applied to an existing topic too when they differ. */
function sizeBounded(retentionBytes: number): Record<string, string> {
  return { 'retention.bytes': String(retentionBytes), 'segment.bytes': String(segmentBytesFor(retentionBytes)) };
}

export const SIZE_BOUND_CONFIGS = ['retention.bytes', 'segment.bytes'] as const;

/**
 * Topic specs. Every mobilecs topic carries event-time timestamps (recordedAt, signedAt,
 * end of billing period), often years in the past: with time-based retention Kafka
 * would roll and delete such segments within minutes (seen here with 2020 data), so
 * time retention is off (`retention.ms=-1`) and only a size bound applies, if the
 * broker sets one. Agreements are never deleted. Dead letters and late records are
 * bounded by size per partition (`layout.retention`, 1 GiB by default), and that
 * bound is applied to existing topics as well. The two inputs share one partition
 * count (co-partitioning).
 */
export function topicSpecs(layout: TopicLayout): TopicSpec[] {
  const { names, inputPartitions, outputPartitions, replicationFactor } = layout;
  const retention = layout.retention ?? { deadLettersBytes: DEFAULT_RETENTION_BYTES, dataRecordsLateBytes: DEFAULT_RETENTION_BYTES };
  const alterExisting = [...SIZE_BOUND_CONFIGS];
  // Kafka refuses timestamps more than an hour ahead by default; an aggregate is stamped
  // with the end of its (current) billing period, weeks ahead.
  const eventTime = { 'retention.ms': '-1', 'message.timestamp.after.max.ms': '9223372036854775807' };
  return [
    { topic: names.agreements, partitions: inputPartitions, replicationFactor, config: { ...eventTime, 'retention.bytes': '-1' } },
    { topic: names.incomingDataRecords, partitions: inputPartitions, replicationFactor, config: eventTime },
    { topic: names.dataRecordsAggregates, partitions: outputPartitions, replicationFactor, config: eventTime },
    { topic: names.deadLetters, partitions: outputPartitions, replicationFactor, config: { ...eventTime, ...sizeBounded(retention.deadLettersBytes) }, alterExisting },
    { topic: names.dataRecordsLate, partitions: outputPartitions, replicationFactor, config: { ...eventTime, ...sizeBounded(retention.dataRecordsLateBytes) }, alterExisting },
  ];
}

/**
 * Creates the topics that are missing, applies the configured retention by size to
 * existing dead-letters and data-records-late topics (logged), and checks the
 * co-partitioning of the inputs.
 */
export async function ensureTopics(conn: KafkaConnection, layout: TopicLayout, extra: TopicSpec[] = []): Promise<void> {
  const retention = layout.retention ?? topicRetentionFromEnv();
  const admin = await KafkaAdmin.connect(conn);
  try {
    await admin.ensureTopics([...topicSpecs({ ...layout, retention }), ...extra]);
    await assertCoPartitioned(admin, layout.names);
  } finally {
    await admin.disconnect();
  }
}

export async function assertCoPartitioned(admin: KafkaAdmin, names: TopicNames): Promise<void> {
  const a = await admin.partitionCount(names.agreements);
  const r = await admin.partitionCount(names.incomingDataRecords);
  if (a !== r) {
    throw new TopicLayoutError(
      `${names.agreements} has ${a} partitions and ${names.incomingDataRecords} has ${r}: they must be ` +
        'co-partitioned (same count, msisdn key) so that a subscriber\'s agreements and records meet in one instance',
    );
  }
}
