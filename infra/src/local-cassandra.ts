import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeCassandra } from '@mobilecs/platform';
import type { JvmServerDefinition } from './jvm-server';

export const cassandraPort = Number(process.env.MOBILECS_CASSANDRA_PORT ?? 9042);
export const cassandraStoragePort = Number(process.env.MOBILECS_CASSANDRA_STORAGE_PORT ?? 7000);
export const cassandraJmxPort = Number(process.env.MOBILECS_CASSANDRA_JMX_PORT ?? 7199);
export const cassandraHeap = process.env.MOBILECS_CASSANDRA_HEAP ?? '1g';
export const cassandraContactPoints = [`127.0.0.1:${cassandraPort}`];
export const cassandraDataCenter = 'datacenter1';

function cassandraYaml(dir: string): string {
  const data = join(dir, 'data');
  return `# Written by infra/src/local-cassandra.ts on every start: a single local node.
cluster_name: mobilecs-local
num_tokens: 1
initial_token: 0
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
auto_bootstrap: false
data_file_directories: [${join(data, 'data')}]
commitlog_directory: ${join(data, 'commitlog')}
saved_caches_directory: ${join(data, 'saved_caches')}
hints_directory: ${join(data, 'hints')}
cdc_raw_directory: ${join(data, 'cdc_raw')}
commitlog_sync: periodic
commitlog_sync_period: 10000ms
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:${cassandraStoragePort}"
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
storage_port: ${cassandraStoragePort}
native_transport_port: ${cassandraPort}
start_native_transport: true
# SimpleSnitch names the data centre datacenter1, which clients use as their local DC.
endpoint_snitch: SimpleSnitch
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
concurrent_reads: 8
concurrent_writes: 16
concurrent_counter_writes: 8
disk_access_mode: mmap_index_only
memtable_allocation_type: heap_buffers
`;
}

function logbackXml(dir: string): string {
  return `<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${join(dir, 'system.log')}</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
`;
}

// The module exports and opens of Cassandra 5.0's conf/jvm17-server.options: it needs
// them to run on Java 17 (off-heap access, reflection into the JDK).
const java17Options = [
  '-Djdk.attach.allowAttachSelf=true',
  '--add-exports', 'java.base/jdk.internal.misc=ALL-UNNAMED',
  '--add-exports', 'java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED',
  '--add-exports', 'java.rmi/sun.rmi.registry=ALL-UNNAMED',
  '--add-exports', 'java.rmi/sun.rmi.server=ALL-UNNAMED',
  '--add-exports', 'java.sql/java.sql=ALL-UNNAMED',
  '--add-exports', 'java.base/java.lang.ref=ALL-UNNAMED',
  '--add-exports', 'jdk.unsupported/sun.misc=ALL-UNNAMED',
  '--add-exports', 'jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED',
  '--add-exports', 'jdk.attach/sun.tools.attach=ALL-UNNAMED',
  '--add-opens', 'java.base/java.lang.module=ALL-UNNAMED',
  '--add-opens', 'java.base/jdk.internal.loader=ALL-UNNAMED',
  '--add-opens', 'java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-opens', 'java.base/jdk.internal.reflect=ALL-UNNAMED',
  '--add-opens', 'java.base/jdk.internal.math=ALL-UNNAMED',
  '--add-opens', 'java.base/jdk.internal.module=ALL-UNNAMED',
  '--add-opens', 'java.base/jdk.internal.util.jar=ALL-UNNAMED',
  '--add-opens', 'jdk.management/com.sun.management.internal=ALL-UNNAMED',
  '--add-opens', 'java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens', 'java.base/java.io=ALL-UNNAMED',
  '--add-opens', 'java.base/java.lang.reflect=ALL-UNNAMED',
  '--add-opens', 'jdk.compiler/com.sun.tools.javac=ALL-UNNAMED',
  '--add-opens', 'java.base/java.lang=ALL-UNNAMED',
  '--add-opens', 'java.base/java.util=ALL-UNNAMED',
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Dio.netty.allocator.useCacheForAllThreads=true',
  '-Dio.netty.allocator.maxOrder=11',
];

export const localCassandra: JvmServerDefinition = {
  name: 'cassandra',
  ports: [cassandraPort, cassandraStoragePort, cassandraJmxPort],
  jvmOptions: (dir, classpath) => {
    const jamm = classpath.split(':').find((jar) => /\/jamm-[^/]+\.jar$/.test(jar));
    return [
      `-Xms${cassandraHeap}`,
      `-Xmx${cassandraHeap}`,
      '-Xss256k',
      '-XX:+UseG1GC',
      '-XX:+ParallelRefProcEnabled',
      '-XX:MaxTenuringThreshold=1',
      '-XX:+ExitOnOutOfMemoryError',
      ...java17Options,
      // Cassandra measures object sizes with jamm, loaded as an agent.
      ...(jamm ? [`-javaagent:${jamm}`] : []),
      `-Dcassandra.config=file://${join(dir, 'cassandra.yaml')}`,
      `-Dcassandra.storagedir=${join(dir, 'data')}`,
      `-Dlogback.configurationFile=${join(dir, 'logback.xml')}`,
      `-Dcassandra.jmx.local.port=${cassandraJmxPort}`,
      '-Dcassandra-foreground=yes',
      // A single node has no peers to wait for.
      '-Dcassandra.skip_wait_for_gossip_to_settle=0',
      '-Dcassandra.ring_delay_ms=0',
    ];
  },
  mainClass: 'org.apache.cassandra.service.CassandraDaemon',
  args: () => [],
  logFile: (dir) => join(dir, 'server.log'),
  startTimeoutMs: 180_000,
  stopGraceMs: 30_000,
  async prepare(dir) {
    writeFileSync(join(dir, 'cassandra.yaml'), cassandraYaml(dir));
    writeFileSync(join(dir, 'logback.xml'), logbackXml(dir));
  },
  probe: async () => {
    await probeCassandra({ contactPoints: cassandraContactPoints, localDataCenter: cassandraDataCenter });
  },
};
