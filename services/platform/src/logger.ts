import { pino, type Logger } from 'pino';
import { setKafkaLogSink } from './kafka';

export type { Logger };

/** JSON logs on stdout, one line per event, with the service name on every line. */
export function createLogger(service: string, level = 'info'): Logger {
  const logger = pino({ name: service, level, base: { service } });
  const kafkaLog = logger.child({ component: 'kafka-client' });
  setKafkaLogSink((lvl, message, extra) => kafkaLog[lvl](extra, message));
  return logger;
}
