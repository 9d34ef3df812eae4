import { inject } from 'vitest';
import { uniqueName } from './unique-name';
import { defaultTopicNames, type KafkaConnection, type CassandraConnection, type TopicNames } from '@mobilecs/platform';

export { uniqueName };

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
