import { localCassandra, cassandraContactPoints, cassandraDataCenter } from './local-cassandra';
import { localKafka, kafkaBrokers } from './local-kafka';
import { startJvmServer, status, stopJvmServer } from './jvm-server';
import { residentBytes } from './process-control';

export { LocalServerError } from './errors';
export { kafkaBrokers, cassandraContactPoints, cassandraDataCenter };

export interface LocalInfra {
  kafkaBrokers: string[];
  cassandraContactPoints: string[];
  cassandraDataCenter: string;
  /** True when this call started a server (rather than reusing a running one). */
  startedKafka: boolean;
  startedCassandra: boolean;
}

/** Starts (or reuses) the local Kafka and Cassandra JVMs, in parallel, and waits until both serve clients. */
export async function startLocalInfra(log: (msg: string) => void = console.log, which: { kafka?: boolean; cassandra?: boolean } = {}): Promise<LocalInfra> {
  const wantKafka = which.kafka ?? true;
  const wantCassandra = which.cassandra ?? true;
  const [kr, cr] = await Promise.allSettled([
    wantKafka ? startJvmServer(localKafka, log) : undefined,
    wantCassandra ? startJvmServer(localCassandra, log) : undefined,
  ]);
  if (kr.status === 'rejected' || cr.status === 'rejected') {
    // One server failed: stop the other if this call started it, so a failed start
    // leaves nothing behind for the caller to clean up.
    await Promise.all([
      kr.status === 'fulfilled' && kr.value && !kr.value.reused ? stopJvmServer(localKafka, log) : undefined,
      cr.status === 'fulfilled' && cr.value && !cr.value.reused ? stopJvmServer(localCassandra, log) : undefined,
    ]);
    throw kr.status === 'rejected' ? kr.reason : (cr as PromiseRejectedResult).reason;
  }
  const [k, c] = [kr.value, cr.value];
  return {
    kafkaBrokers,
    cassandraContactPoints,
    cassandraDataCenter,
    startedKafka: k !== undefined && !k.reused,
    startedCassandra: c !== undefined && !c.reused,
  };
}

export async function stopLocalInfra(log: (msg: string) => void = console.log, which: { kafka?: boolean; cassandra?: boolean } = {}): Promise<void> {
  await Promise.all([
    (which.kafka ?? true) ? stopJvmServer(localKafka, log) : undefined,
    (which.cassandra ?? true) ? stopJvmServer(localCassandra, log) : undefined,
  ]);
}

export function localInfraStatus(): { name: string; running: boolean; pid?: number; residentMiB?: number }[] {
  return ['kafka', 'cassandra'].map((name) => {
    const s = status(name);
    const rss = s.pid !== undefined ? residentBytes(s.pid) : undefined;
    return { name, running: s.running, ...(s.pid !== undefined ? { pid: s.pid } : {}), ...(rss ? { residentMiB: Math.round(rss / 1048576) } : {}) };
  });
}
