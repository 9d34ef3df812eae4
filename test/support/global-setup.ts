import type { TestProject } from 'vitest/node';
import { locateServers, type LocatedServers } from './locate-servers';

let located: LocatedServers | undefined;

/** Finds or starts real Kafka and Cassandra once for all integration suites. */
export async function setup(project: TestProject): Promise<void> {
  located = await locateServers((msg) => console.log(`[test servers] ${msg}`));
  project.provide('kafkaBrokers', located.kafkaBrokers);
  project.provide('cassandraContactPoints', located.cassandraContactPoints);
  project.provide('cassandraDataCenter', located.cassandraDataCenter);
}

export async function teardown(): Promise<void> {
  await located?.release();
}
