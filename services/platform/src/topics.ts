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
}

/**
 * Topic specs. Every mobilecs topic carries event-time timestamps (recordedAt, signedAt,
 * end of billing period), often years in the past: with time-based retention Kafka
 * would roll and delete such segments within minutes (seen here with 2020 data), so
 * time retention is off (`retention.ms=-1`) and only a size bound applies, if the
 * broker sets one. Agreements are never deleted. The two inputs share one partition
 * count (co-partitioning).
 */
export function topicSpecs(layout: TopicLayout): TopicSpec[] {
  const { names, inputPartitions, outputPartitions, replicationFactor } = layout;
  // Kafka refuses timestamps more than an hour ahead by default; an aggregate is stamped
  // with the end of its (current) billing period, weeks ahead.
  const eventTime = { 'retention.ms': '-1', 'message.timestamp.after.max.ms': '9223372036854775807' };
  return [
    { topic: names.agreements, partitions: inputPartitions, replicationFactor, config: { ...eventTime, 'retention.bytes': '-1' } },
    { topic: names.incomingDataRecords, partitions: inputPartitions, replicationFactor, config: eventTime },
    { topic: names.dataRecordsAggregates, partitions: outputPartitions, replicationFactor, config: eventTime },
    { topic: names.deadLetters, partitions: outputPartitions, replicationFactor, config: eventTime },
    { topic: names.dataRecordsLate, partitions: outputPartitions, replicationFactor, config: eventTime },
  ];
}

/** Creates the topics that are missing and checks the co-partitioning of the inputs. */
export async function ensureTopics(conn: KafkaConnection, layout: TopicLayout, extra: TopicSpec[] = []): Promise<void> {
  const admin = await KafkaAdmin.connect(conn);
  try {
    await admin.ensureTopics([...topicSpecs(layout), ...extra]);
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
