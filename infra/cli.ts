// npm run infra:up | infra:down | infra:status | consume -- <topic> [extra console-consumer args]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { javaBinary } from './src/java';
import { kafkaBrokers, log4j2Config } from './src/local-kafka';
import { resolveClasspath } from './src/maven-classpath';
import { infraHome } from './src/paths';
import { writeFileSync, mkdirSync } from 'node:fs';
import { LocalServerError, localInfraStatus, startLocalInfra, stopLocalInfra } from './src/index';

const log = (msg: string) => console.log(`[infra] ${msg}`);

async function consume(args: string[]): Promise<number> {
  const [topic, ...rest] = args;
  if (!topic) {
    console.error('usage: npm run consume -- <topic> [more kafka-console-consumer options]');
    return 2;
  }
  const brokers = process.env.KAFKA_BROKERS ?? kafkaBrokers.join(',');
  const java = await javaBinary();
  const classpath = await resolveClasspath('kafka');
  const dir = join(infraHome, 'kafka');
  mkdirSync(dir, { recursive: true });
  const logConfig = join(dir, 'log4j2-tools.xml');
  writeFileSync(logConfig, log4j2Config('SYSTEM_ERR', 'WARN'));
  const child = spawn(
    java,
    [
      '-Xmx256m',
      `-Dlog4j2.configurationFile=${logConfig}`,
      '-cp',
      classpath,
      'org.apache.kafka.tools.consumer.ConsoleConsumer',
      '--bootstrap-server',
      brokers,
      '--topic',
      topic,
      '--from-beginning',
      '--isolation-level',
      'read_committed',
      '--formatter-property',
      'print.timestamp=true',
      '--formatter-property',
      'print.key=true',
      '--formatter-property',
      'print.partition=true',
      '--formatter-property',
      'print.offset=true',
      ...rest,
    ],
    { stdio: 'inherit' },
  );
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'up': {
      const which = args.length ? { kafka: args.includes('kafka'), cassandra: args.includes('cassandra') } : {};
      const infra = await startLocalInfra(log, which);
      log(`Kafka: ${infra.kafkaBrokers.join(',')}  Cassandra: ${infra.cassandraContactPoints.join(',')} (${infra.cassandraDataCenter})`);
      for (const s of localInfraStatus()) if (s.running) log(`${s.name}: pid ${s.pid}, resident ${s.residentMiB} MiB`);
      return 0;
    }
    case 'down':
      await stopLocalInfra(log);
      return 0;
    case 'status':
      for (const s of localInfraStatus()) log(`${s.name}: ${s.running ? `running, pid ${s.pid}, resident ${s.residentMiB} MiB` : 'stopped'}`);
      return 0;
    case 'consume':
      return consume(args);
    default:
      console.error('usage: tsx infra/cli.ts up [kafka] [cassandra] | down | status | consume <topic>');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof LocalServerError ? `[infra] ${err.message}` : err);
    process.exit(1);
  },
);
