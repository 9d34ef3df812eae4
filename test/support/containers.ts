import { KafkaContainer } from '@testcontainers/kafka';
import { CassandraContainer } from '@testcontainers/cassandra';
import type { StartedTestContainer } from 'testcontainers';

/** Kafka (KRaft) and Cassandra in containers, for machines that have a Docker engine. */
export async function startContainers(
  which: { kafka: boolean; cassandra: boolean },
  log: (msg: string) => void,
): Promise<{ kafkaBrokers?: string[]; cassandraContactPoints?: string[]; cassandraDataCenter?: string; stop(): Promise<void> }> {
  const started: StartedTestContainer[] = [];
  const out: { kafkaBrokers?: string[]; cassandraContactPoints?: string[]; cassandraDataCenter?: string } = {};
  const jobs: Promise<void>[] = [];
  if (which.kafka) {
    jobs.push(
      (async () => {
        log('starting Kafka in a container (confluentinc/cp-kafka:8.1.0, Kafka 4.1, KRaft)');
        const kafka = await new KafkaContainer('confluentinc/cp-kafka:8.1.0').withKraft().start();
        started.push(kafka);
        out.kafkaBrokers = [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`];
      })(),
    );
  }
  if (which.cassandra) {
    jobs.push(
      (async () => {
        log('starting Cassandra in a container (cassandra:5.0)');
        const cassandra = await new CassandraContainer('cassandra:5.0').start();
        started.push(cassandra);
        out.cassandraContactPoints = [cassandra.getContactPoint()];
        out.cassandraDataCenter = cassandra.getDatacenter();
      })(),
    );
  }
  await Promise.all(jobs);
  return { ...out, stop: async () => void (await Promise.all(started.map((c) => c.stop()))) };
}
