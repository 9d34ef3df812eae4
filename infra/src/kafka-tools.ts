import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { javaBinary } from './java';
import { log4j2Config } from './local-kafka';
import { resolveClasspath } from './maven-classpath';
import { infraHome } from './paths';

/**
 * The java command line that runs one of Kafka's own tools (console consumer, perf
 * tests) from the jars of infra/kafka/pom.xml, logging warnings to stderr only.
 */
export async function kafkaToolCommand(mainClass: string, args: string[], heap = '256m'): Promise<{ java: string; args: string[] }> {
  const java = await javaBinary();
  const classpath = await resolveClasspath('kafka');
  const dir = join(infraHome, 'kafka');
  mkdirSync(dir, { recursive: true });
  const logConfig = join(dir, 'log4j2-tools.xml');
  writeFileSync(logConfig, log4j2Config('SYSTEM_ERR', 'WARN'));
  return { java, args: [`-Xmx${heap}`, `-Dlog4j2.configurationFile=${logConfig}`, '-cp', classpath, mainClass, ...args] };
}
