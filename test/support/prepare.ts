import { waitForCassandra, waitForKafka } from '@mobilecs/platform';

/** Waits until both servers really serve clients (also when they came from the environment). */
export async function waitUntilServing(s: { kafkaBrokers: string[]; cassandraContactPoints: string[]; cassandraDataCenter: string }): Promise<void> {
  await Promise.all([
    waitForKafka({ brokers: s.kafkaBrokers, clientId: 'mobilecs-test-setup' }, 120_000),
    waitForCassandra({ contactPoints: s.cassandraContactPoints, localDataCenter: s.cassandraDataCenter }, 180_000),
  ]);
}
