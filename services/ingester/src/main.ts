import { KafkaGroupMembership, createCassandraClient, ensureSchema, runService } from '@mobilecs/platform';
import { defaultAdvertisedUrl, loadIngesterConfig } from './config';
import { DataRecordStore } from './data-record-store';
import { GroupViewCache } from './group-view-cache';
import { Ingester } from './ingester';
import { ingesterMetrics } from './ingester-metrics';
import { SnapshotFiles } from './local-snapshot-files';
import { LocalSnapshots } from './local-snapshots';
import { kafkaPorts } from './ports';
import { UsageQueries, registerUsageRoutes } from './usage-queries';

// Filled in as start-up proceeds; the health checks and the live queries look at what is there.
const live: { ingester?: Ingester; store?: DataRecordStore; advertisedUrl?: string; groupView?: GroupViewCache } = {};

void runService({
  name: 'ingester',
  loadConfig: loadIngesterConfig,
  stoppingMessage: 'shutting down: finishing the batch in progress and leaving the group',
  http: ({ config, topics, log }) => ({
    checks: [
      {
        name: 'ingester',
        check: async () => {
          if (live.ingester?.state !== 'running') throw new Error(`ingester is ${live.ingester?.state ?? 'starting'}`);
        },
      },
      {
        // UP must mean "billing moves": input waiting that is not being committed is DOWN.
        name: 'partitions',
        check: async () => {
          const stalls = live.ingester?.stalls() ?? [];
          if (stalls.length === 0) return;
          throw new Error(
            stalls
              .map((s) =>
                s.partition === null
                  ? `processing ${s.busyWith ?? 'work'} has not finished for ${Math.round(s.stalledForMs / 1000)} s`
                  : `partition ${s.partition} has input waiting and has not committed for ${Math.round(s.stalledForMs / 1000)} s${s.lastError ? `; last error: ${s.lastError}` : ''}`,
              )
              .join('; '),
          );
        },
      },
      {
        name: 'cassandra',
        check: async () => {
          if (!live.store) throw new Error('not connected to Cassandra yet');
          if (!live.store.healthy) throw new Error('Cassandra writes are failing; consumption is paused and retrying');
        },
      },
    ],
    // Live usage from any instance (usage-queries.ts; docs/ingester.md "Live usage from any instance").
    routes: (app) =>
      registerUsageRoutes(
        app,
        new UsageQueries({
          topic: topics.incomingDataRecords,
          partitionCount: config.TOPIC_PARTITIONS,
          selfUrl: () => live.advertisedUrl,
          local: () => live.ingester,
          groupView: () => (live.groupView ? live.groupView.get() : Promise.reject(new Error('not connected to Kafka yet'))),
          timeoutMs: config.INGESTER_QUERY_TIMEOUT_MS,
          maxRows: config.INGESTER_QUERY_MAX_ROWS,
        }),
        (err) => log.error({ err }, 'live query failed'),
      ),
  }),
  async start({ config, kafka, cassandra: cassandraConn, topics, log, registry, port, waitForServers, ensureTopics, onShutdown }) {
    const metrics = ingesterMetrics(registry);
    // Known once the HTTP server listens (HTTP_PORT=0 picks a free port).
    const advertisedUrl = config.INGESTER_ADVERTISED_URL ?? defaultAdvertisedUrl(config.HTTP_BIND_ADDRESS, port ?? config.HTTP_PORT);
    live.advertisedUrl = advertisedUrl;
    await waitForServers({ kafkaMs: 120_000, cassandraMs: 180_000 });
    await ensureTopics([
      { topic: config.TOPIC_INGESTER_CHANGELOG, partitions: config.TOPIC_PARTITIONS, replicationFactor: config.TOPIC_REPLICATION_FACTOR, config: { 'cleanup.policy': 'compact', 'max.message.bytes': '16777216' } },
    ]);
    const cassandra = createCassandraClient(cassandraConn);
    await cassandra.connect();
    onShutdown(() => cassandra.shutdown().catch(() => undefined));
    await ensureSchema(cassandra, { keyspace: config.CASSANDRA_KEYSPACE, replication: { class: 'SimpleStrategy', replication_factor: config.CASSANDRA_REPLICATION_FACTOR } });
    const membership = await KafkaGroupMembership.connect(kafka);
    onShutdown(() => membership.disconnect().catch(() => undefined));
    const groupView = new GroupViewCache(() => membership.describe(config.INGESTER_GROUP_ID));
    live.groupView = groupView;
    live.store = new DataRecordStore(cassandra, config.CASSANDRA_KEYSPACE, config.INGESTER_CASSANDRA_CONCURRENCY, metrics, log, config.INGESTER_CASSANDRA_BATCH_ROWS);

    const ingester = new Ingester(
      {
        kafka,
        topics,
        changelogTopic: config.TOPIC_INGESTER_CHANGELOG,
        groupId: config.INGESTER_GROUP_ID,
        transactionalIdPrefix: config.INGESTER_TRANSACTIONAL_ID_PREFIX,
        tickMs: config.INGESTER_TICK_MS,
        sessionTimeoutMs: config.INGESTER_SESSION_TIMEOUT_MS,
        stallAfterMs: config.INGESTER_STALL_AFTER_MS,
        watermarkJumpMs: config.INGESTER_WATERMARK_JUMP_MS,
        deadLetterMaxRawBytes: config.INGESTER_DEAD_LETTER_MAX_RAW_BYTES,
        // The group learns this instance's URL; a rebalance makes the cached group view stale.
        ports: kafkaPorts(kafka, { advertisedUrl, onAssignment: () => groupView.invalidate() }),
        ...(config.INGESTER_STATE_DIR
          ? {
              snapshots: new LocalSnapshots({
                files: new SnapshotFiles(config.INGESTER_STATE_DIR, { pauseBeforeRenameMs: config.INGESTER_SNAPSHOT_TEST_PAUSE_MS }),
                changelogTopic: config.TOPIC_INGESTER_CHANGELOG,
                minChanges: config.INGESTER_SNAPSHOT_MIN_CHANGES,
                intervalMs: config.INGESTER_SNAPSHOT_INTERVAL_MS,
                now: Date.now,
                log,
              }),
            }
          : {}),
        processor: {
          futureToleranceMs: config.EVENT_TIME_FUTURE_TOLERANCE_MS,
          outOfOrdernessMs: config.INGESTER_OUT_OF_ORDERNESS_MS,
          idleTimeoutMs: config.INGESTER_IDLE_TIMEOUT_MS,
          allowedLatenessMs: config.INGESTER_ALLOWED_LATENESS_MS,
          maxHeldRecordsPerMsisdn: config.INGESTER_MAX_HELD_RECORDS_PER_MSISDN,
          maxHoldMs: config.INGESTER_MAX_HOLD_MS,
          ...(config.INGESTER_WALL_CLOCK_CLOSE ? { wallClockClose: { graceMs: config.INGESTER_WALL_CLOCK_GRACE_MS, idleMs: config.INGESTER_WALL_CLOCK_IDLE_MS } } : {}),
        },
      },
      live.store,
      metrics,
      log,
    );
    live.ingester = ingester;
    onShutdown(() => ingester.stop());
    await ingester.start();
    return { advertisedUrl };
  },
});
