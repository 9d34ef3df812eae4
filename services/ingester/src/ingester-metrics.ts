import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function ingesterMetrics(registry: Registry) {
  const registers = [registry];
  return {
    messagesIn: new Counter({ name: 'ingester_messages_in_total', help: 'Messages consumed', labelNames: ['topic'], registers }),
    recordsMatched: new Counter({ name: 'ingester_records_matched_total', help: 'Data records matched with an agreement and stored', registers }),
    recordsLate: new Counter({ name: 'ingester_records_late_total', help: 'Data records for an already closed billing period', registers }),
    deadLetters: new Counter({ name: 'ingester_dead_letters_total', help: 'Messages sent to the dead-letter topic', labelNames: ['reason'], registers }),
    aggregates: new Counter({ name: 'ingester_aggregates_total', help: 'Aggregates published', labelNames: ['type'], registers }),
    windowsOpen: new Gauge({ name: 'ingester_windows_open', help: 'Billing-period windows in state', registers }),
    msisdnsHolding: new Gauge({ name: 'ingester_msisdns_holding_records', help: 'Msisdns with unmatched records held', registers }),
    watermarkLagSeconds: new Gauge({ name: 'ingester_watermark_lag_seconds', help: 'Wall clock minus the event-time watermark', registers }),
    transactionSeconds: new Histogram({
      name: 'ingester_transaction_commit_seconds',
      help: 'Time to publish and commit one transaction',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    cassandraWriteSeconds: new Histogram({
      name: 'ingester_cassandra_write_seconds',
      help: 'Latency of one data_record write: a row, or an unlogged batch of rows of one partition',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    watermarkJumps: new Counter({ name: 'ingester_watermark_jumps_total', help: 'Watermark moves larger than INGESTER_WATERMARK_JUMP_MS in one step', registers }),
    partitionsStalled: new Gauge({
      name: 'ingester_partitions_stalled',
      help: 'Assigned partitions with input waiting and no commit for INGESTER_STALL_AFTER_MS',
      registers,
    }),
    cassandraFailures: new Counter({ name: 'ingester_cassandra_failures_total', help: 'Failed Cassandra requests (retried)', registers }),
    duplicates: new Counter({ name: 'ingester_records_duplicate_total', help: 'Data records not counted because their billing period already counted a copy (same internal id)', registers }),
    copyLookups: new Counter({ name: 'ingester_copy_lookups_total', help: 'Cassandra point reads to tell an out-of-order record from a copy of one already counted', registers }),
  };
}

export type IngesterMetrics = ReturnType<typeof ingesterMetrics>;
