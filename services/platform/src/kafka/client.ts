import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { KafkaUnavailableError } from './errors';
import { fixKafkajsRequestQueue } from './request-queue-fix';
import type { KafkaConnection } from './types';

fixKafkajsRequestQueue();

// kafkajs prints a migration warning about its v2 partitioner on every producer; our
// partitioner choice is explicit (see producer.ts), so the warning is noise.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

export type KafkaLogSink = (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) => void;

let sink: KafkaLogSink | undefined;

/** Routes the client library's own logs into the service's logger (pino). */
export function setKafkaLogSink(s: KafkaLogSink | undefined): void {
  sink = s;
}

/** Logs an event of this module itself (not of the client library) into the service's logger. */
export function kafkaModuleLog(level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>): void {
  sink?.(level, message, extra);
}

const levelName = (l: logLevel): 'error' | 'warn' | 'info' | 'debug' =>
  l === logLevel.ERROR ? 'error' : l === logLevel.WARN ? 'warn' : l === logLevel.INFO ? 'info' : 'debug';

export function createClient(conn: KafkaConnection): Kafka {
  return new Kafka({
    clientId: conn.clientId,
    brokers: conn.brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 100, retries: 8 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        if (!sink) return;
        const { message, ...extra } = log;
        // kafkajs warns that bounded retries of an idempotent producer "may invalidate
        // EoS". Ours either run inside transactions, which are aborted when a send fails
        // for good, or (plain producers) make no exactly-once claim: debug, not warn.
        const lvl = typeof message === 'string' && message.startsWith('Limiting retries for the idempotent producer') ? 'debug' : levelName(level);
        sink(lvl, `kafka: ${message}`, extra);
      },
  });
}

/** Connects a kafkajs admin, producer or consumer; failing that, a KafkaUnavailableError naming the brokers. */
export async function connected<C extends { connect(): Promise<void> }>(client: C, conn: KafkaConnection): Promise<C> {
  try {
    await client.connect();
  } catch (err) {
    throw new KafkaUnavailableError(conn.brokers, err);
  }
  return client;
}
