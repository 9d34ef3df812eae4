// npm run infra:up | infra:down | infra:status | consume -- <topic> [extra console-consumer args]
import { spawn } from 'node:child_process';
import { kafkaToolCommand } from './src/kafka-tools';
import { kafkaBrokers } from './src/local-kafka';
import { LocalServerError, localInfraStatus, startLocalInfra, stopLocalInfra } from './src/index';

const log = (msg: string) => console.log(`[infra] ${msg}`);

async function consume(args: string[]): Promise<number> {
  const [topic, ...rest] = args;
  if (!topic) {
    console.error('usage: npm run consume -- <topic> [more kafka-console-consumer options]');
    return 2;
  }
  const brokers = process.env.KAFKA_BROKERS ?? kafkaBrokers.join(',');
  const tool = await kafkaToolCommand('org.apache.kafka.tools.consumer.ConsoleConsumer', [
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
  ]);
  const child = spawn(
    tool.java,
    tool.args,
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
