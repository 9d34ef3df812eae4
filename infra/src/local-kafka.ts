import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { probeKafka } from '@mobilecs/platform';
import { LocalServerError } from './errors';
import type { JvmServerDefinition } from './jvm-server';

const run = promisify(execFile);

export const kafkaPort = Number(process.env.MOBILECS_KAFKA_PORT ?? 9092);
export const kafkaControllerPort = Number(process.env.MOBILECS_KAFKA_CONTROLLER_PORT ?? 9093);
export const kafkaHeap = process.env.MOBILECS_KAFKA_HEAP ?? '512m';
export const kafkaBrokers = [`127.0.0.1:${kafkaPort}`];

export const log4j2Config = (target: 'SYSTEM_OUT' | 'SYSTEM_ERR', level: string) => `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders><Console name="OUT" target="${target}"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console></Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
    <Root level="${level}"><AppenderRef ref="OUT"/></Root>
  </Loggers>
</Configuration>
`;

function serverProperties(dir: string): string {
  return `# Written by infra/src/local-kafka.ts on every start: one KRaft node as broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${kafkaControllerPort}
listeners=PLAINTEXT://127.0.0.1:${kafkaPort},CONTROLLER://127.0.0.1:${kafkaControllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${kafkaPort}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${join(dir, 'data')}
# Topics are created by mobilecs code with explicit partition counts, never by accident.
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
log.segment.bytes=67108864
`;
}

export const localKafka: JvmServerDefinition = {
  name: 'kafka',
  ports: [kafkaPort, kafkaControllerPort],
  jvmOptions: (dir) => [
    `-Xms${kafkaHeap}`,
    `-Xmx${kafkaHeap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(dir, 'log4j2.xml')}`,
  ],
  mainClass: 'kafka.Kafka',
  args: (dir) => [join(dir, 'server.properties')],
  logFile: (dir) => join(dir, 'server.log'),
  startTimeoutMs: 90_000,
  stopGraceMs: 30_000,
  async prepare(dir, java, classpath) {
    writeFileSync(join(dir, 'server.properties'), serverProperties(dir));
    writeFileSync(join(dir, 'log4j2.xml'), log4j2Config('SYSTEM_OUT', 'INFO'));
    if (existsSync(join(dir, 'data', 'meta.properties'))) return;
    // First start: format the KRaft storage with a fresh cluster id.
    const tool = (args: string[]) => run(java, ['-cp', classpath, `-Dlog4j2.configurationFile=${join(dir, 'log4j2.xml')}`, 'kafka.tools.StorageTool', ...args]);
    try {
      const clusterId = (await tool(['random-uuid'])).stdout.trim().split('\n').pop() ?? '';
      await tool(['format', '-t', clusterId, '-c', join(dir, 'server.properties')]);
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new LocalServerError('kafka', 'formatting the Kafka storage failed', `${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  },
  probe: () => probeKafka({ brokers: kafkaBrokers, clientId: 'mobilecs-infra' }),
};
