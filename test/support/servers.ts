import { inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import { defaultTopicNames, type KafkaConnection, type CassandraConnection, type TopicNames } from '@mobilecs/platform';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
    cassandraContactPoints: string[];
    cassandraDataCenter: string;
  }
}

/** The real Kafka and Cassandra found or started by the global setup. */
export function testServers(): { kafka: KafkaConnection; cassandra: CassandraConnection } {
  return {
    kafka: { brokers: inject('kafkaBrokers'), clientId: 'mobilecs-test' },
    cassandra: { contactPoints: inject('cassandraContactPoints'), localDataCenter: inject('cassandraDataCenter') },
  };
}

/** A name no other test uses (topics, groups, keyspaces): tests stay independent. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`.replace(/-/g, '_').toLowerCase();
}

/** Environment variables that point a child service process at the test servers. */
export function serverEnv(): Record<string, string> {
  const s = testServers();
  return {
    KAFKA_BROKERS: s.kafka.brokers.join(','),
    CASSANDRA_CONTACT_POINTS: s.cassandra.contactPoints.join(','),
    CASSANDRA_LOCAL_DATA_CENTER: s.cassandra.localDataCenter,
  };
}

/** The five mobilecs topics under a prefix no other test uses. */
export function uniqueTopicNames(prefix = 't'): TopicNames {
  const p = uniqueName(prefix);
  return {
    agreements: `${p}.${defaultTopicNames.agreements}`,
    incomingDataRecords: `${p}.${defaultTopicNames.incomingDataRecords}`,
    dataRecordsAggregates: `${p}.${defaultTopicNames.dataRecordsAggregates}`,
    deadLetters: `${p}.${defaultTopicNames.deadLetters}`,
    dataRecordsLate: `${p}.${defaultTopicNames.dataRecordsLate}`,
  };
}
