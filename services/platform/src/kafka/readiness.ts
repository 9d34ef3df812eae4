import { KafkaAdmin } from './admin';
import { KafkaTransactionalProducer } from './producer';
import type { KafkaConnection } from './types';
import { describe } from './errors';
import { retry } from '../retry';

/**
 * Waits until Kafka really serves clients: metadata answers, and the group and
 * transaction coordinators have loaded (a fresh broker answers metadata seconds before
 * it can commit offsets or start a transaction).
 */
export async function waitForKafka(conn: KafkaConnection, timeoutMs = 60_000, probe = 'mobilecs-readiness', signal?: AbortSignal): Promise<void> {
  try {
    // Every failure is worth another probe until the time is up: a broker starting answers refusals of all kinds.
    await retry(() => probeKafka(conn, probe), { what: 'Kafka', initialDelayMs: 500, maxDelayMs: 500, timeoutMs, shouldRetry: () => true, ...(signal ? { signal } : {}) });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new Error(`Kafka at ${conn.brokers.join(',')} not ready after ${timeoutMs} ms: ${describe(err)}`, { cause: err });
  }
}

/** One readiness probe; throws when Kafka is not ready. */
export async function probeKafka(conn: KafkaConnection, probe = 'mobilecs-readiness'): Promise<void> {
  const admin = await KafkaAdmin.connect({ ...conn, clientId: `${conn.clientId}-probe` });
  try {
    await admin.listTopics();
    await admin.describeGroup(probe);
  } finally {
    await admin.disconnect();
  }
  const producer = await KafkaTransactionalProducer.connect({ ...conn, clientId: `${conn.clientId}-probe` }, probe);
  try {
    const tx = await producer.begin();
    await tx.abort();
  } finally {
    await producer.disconnect();
  }
}
