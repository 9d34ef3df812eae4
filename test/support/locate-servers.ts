import { waitUntilServing } from './prepare';
import { startLocalInfra, stopLocalInfra } from '../../infra/src/index';

export interface LocatedServers {
  kafkaBrokers: string[];
  cassandraContactPoints: string[];
  cassandraDataCenter: string;
  /** Stops what this run started (containers, or local JVMs unless MOBILECS_KEEP_INFRA=1). */
  release(): Promise<void>;
  how: string;
}

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

/**
 * Where the tests' servers come from, in this order:
 * 1. KAFKA_BROKERS / CASSANDRA_CONTACT_POINTS when set (servers you run yourself);
 * 2. testcontainers, when a Docker engine answers;
 * 3. the local Kafka and Cassandra JVMs of infra/, started on demand.
 * Each of the two servers is resolved on its own, so one may come from the environment
 * and the other be started here.
 */
export async function locateServers(log: (msg: string) => void): Promise<LocatedServers> {
  const envKafka = process.env.KAFKA_BROKERS ? list(process.env.KAFKA_BROKERS) : undefined;
  const envCassandra = process.env.CASSANDRA_CONTACT_POINTS ? list(process.env.CASSANDRA_CONTACT_POINTS) : undefined;
  const dataCenter = process.env.CASSANDRA_LOCAL_DATA_CENTER ?? 'datacenter1';
  const needKafka = envKafka === undefined;
  const needCassandra = envCassandra === undefined;

  let result: LocatedServers | undefined;
  if ((needKafka || needCassandra) && process.env.MOBILECS_NO_TESTCONTAINERS !== '1' && (await dockerAnswers())) {
    const { startContainers } = await import('./containers');
    const c = await startContainers({ kafka: needKafka, cassandra: needCassandra }, log);
    result = {
      kafkaBrokers: envKafka ?? c.kafkaBrokers ?? [],
      cassandraContactPoints: envCassandra ?? c.cassandraContactPoints ?? [],
      cassandraDataCenter: c.cassandraDataCenter ?? dataCenter,
      release: () => c.stop(),
      how: 'testcontainers',
    };
  } else if (needKafka || needCassandra) {
    log('no Docker engine: using the local Kafka / Cassandra JVMs (infra/)');
    const infra = await startLocalInfra(log, { kafka: needKafka, cassandra: needCassandra });
    result = {
      kafkaBrokers: envKafka ?? infra.kafkaBrokers,
      cassandraContactPoints: envCassandra ?? infra.cassandraContactPoints,
      cassandraDataCenter: envCassandra ? dataCenter : infra.cassandraDataCenter,
      how: 'local JVMs',
      release: async () => {
        if (process.env.MOBILECS_KEEP_INFRA === '1') return;
        await stopLocalInfra(log, { kafka: infra.startedKafka, cassandra: infra.startedCassandra });
      },
    };
  } else {
    result = {
      kafkaBrokers: envKafka ?? [],
      cassandraContactPoints: envCassandra ?? [],
      cassandraDataCenter: dataCenter,
      how: 'environment',
      release: async () => undefined,
    };
  }
  log(`Kafka ${result.kafkaBrokers.join(',')}, Cassandra ${result.cassandraContactPoints.join(',')} (${result.how})`);
  await waitUntilServing(result);
  return result;
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 10_000).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}
