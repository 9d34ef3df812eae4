// npm run infra:up | infra:down | infra:status | consume -- <topic> [options] | produce -- <topic> [options]
import { spawn, type ChildProcess } from 'node:child_process';
import { kafkaToolCommand } from './src/kafka-tools';
import { kafkaBrokers } from './src/local-kafka';
import { LocalServerError, localInfraStatus, startLocalInfra, stopLocalInfra } from './src/index';

const log = (msg: string) => console.log(`[infra] ${msg}`);

/**
 * Takes our own `--timeout-ms N` out of the console consumer's options: Kafka's own
 * ends with a TimeoutException stack trace, ours ends it cleanly (SIGTERM, after which
 * it prints how many messages it processed) once no message came for N ms.
 */
function splitTimeout(args: string[]): { timeoutMs: number | undefined; rest: string[] } {
  const rest: string[] = [];
  let timeoutMs: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const inline = /^--timeout-ms=(.*)$/.exec(a);
    if (a === '--timeout-ms' || inline) {
      const value = inline ? inline[1]! : args[++i];
      if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`--timeout-ms needs a number of milliseconds, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
      timeoutMs = Number(value);
    } else {
      rest.push(a);
    }
  }
  return { timeoutMs, rest };
}

class UsageError extends Error {}

/**
 * One of Kafka's console tools on `topic` against the brokers in use: `null` when the
 * topic is missing (the caller prints its usage), otherwise the running JVM.
 */
async function startKafkaTool(mainClass: string, topic: string | undefined, toolArgs: string[], stdout: 'inherit' | 'pipe'): Promise<ChildProcess | null> {
  if (!topic || topic.startsWith('-')) return null;
  const brokers = process.env.KAFKA_BROKERS ?? kafkaBrokers.join(',');
  const tool = await kafkaToolCommand(mainClass, ['--bootstrap-server', brokers, '--topic', topic, ...toolArgs]);
  return spawn(tool.java, tool.args, { stdio: ['inherit', stdout, 'inherit'] });
}

async function consume(args: string[]): Promise<number> {
  const [topic, ...more] = args;
  const { timeoutMs, rest } = splitTimeout(more);
  const child = await startKafkaTool(
    'org.apache.kafka.tools.consumer.ConsoleConsumer',
    topic,
    [
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
    timeoutMs === undefined ? 'inherit' : 'pipe',
  );
  if (!child) {
    console.error('usage: npm run consume -- <topic> [--max-messages N] [--timeout-ms N] [more kafka-console-consumer options]');
    return 2;
  }
  let timedOut = false;
  if (timeoutMs !== undefined) {
    const stop = () => {
      timedOut = true;
      child.kill('SIGTERM');
    };
    let timer = setTimeout(stop, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      clearTimeout(timer);
      timer = setTimeout(stop, timeoutMs);
    });
    child.on('exit', () => clearTimeout(timer));
  }
  // Ended by our timeout: the JVM exits 143 (SIGTERM) after printing its total — a clean end.
  return new Promise((resolve) => child.on('exit', (code) => resolve(timedOut ? 0 : (code ?? 1))));
}

/** Kafka's console producer: one message per line, `key|value` (agreements are keyed by msisdn). */
async function produce(args: string[]): Promise<number> {
  const [topic, ...rest] = args;
  if (topic && !topic.startsWith('-') && process.stdin.isTTY) console.error(`[infra] type one message per line as key|value (e.g. an agreement: <msisdn>|{"id":…}); Ctrl-D ends`);
  const child = await startKafkaTool(
    'org.apache.kafka.tools.ConsoleProducer',
    topic,
    ['--property', 'parse.key=true', '--property', 'key.separator=|', '--producer-property', 'acks=all', ...rest],
    'inherit',
  );
  if (!child) {
    console.error('usage: npm run produce -- <topic> [more kafka-console-producer options]   then type key|value lines; Ctrl-D ends');
    return 2;
  }
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
    case 'produce':
      return produce(args);
    default:
      console.error('usage: tsx infra/cli.ts up [kafka] [cassandra] | down | status | consume <topic> | produce <topic>');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof LocalServerError || err instanceof UsageError ? `[infra] ${err.message}` : err);
    process.exit(1);
  },
);
