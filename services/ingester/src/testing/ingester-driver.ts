// Runs the real Ingester over the fake Kafka and fake Cassandra, with its clock and ticks
// in the test's hands and its log captured: the ingester's TopologyTestDriver.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { vi } from 'vitest';
import { agreementCodec, importedRecordCodec, type Agreement, type ImportedRecord } from '@mobilecs/domain';
import type { IncomingMessage, OutgoingMessage, TopicNames } from '@mobilecs/platform';
import { FakeKafka, type FakeConsumer } from '@mobilecs/platform/testing';
import { testProcessorConfig } from '@mobilecs/windowing/testing';
import type { UsageProcessorConfig } from '@mobilecs/windowing';
import { fixtureAgreement, fixtureRecords } from '../../../../test/support/seed-example';
import { DataRecordStore } from '../data-record-store';
import { Ingester } from '../ingester';
import { ingesterMetrics } from '../ingester-metrics';
import type { IngesterPorts } from '../ports';
import { FakeCassandra } from './fake-cassandra';

export const TICK_MS = 1000;

/** The ingester's ports on a fake Kafka. */
function ingesterPorts(kafka: FakeKafka): IngesterPorts {
  return {
    connectAdmin: () => Promise.resolve(kafka.admin()),
    connectConsumer: (opts) => Promise.resolve(kafka.connectConsumer(opts)),
    connectProducer: (_partition, transactionalId) => Promise.resolve(kafka.initProducer(transactionalId)),
    restoreChangelog: (producer, topic, onRecord, { partitions }) => kafka.restoreChangelog(producer, topic, onRecord, partitions),
  };
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** The fake servers several ingester instances share. */
export class FakeServers {
  readonly kafka = new FakeKafka();
  readonly cassandra = new FakeCassandra();
  readonly topics: TopicNames = {
    agreements: 'agreements',
    incomingDataRecords: 'incoming-data-records',
    dataRecordsAggregates: 'data-records-aggregates',
    deadLetters: 'dead-letters',
    dataRecordsLate: 'data-records-late',
  };
  readonly changelogTopic = 'ingester-changelog';
  readonly groupId = 'ingester';
  readonly transactionalIdPrefix = 'ingester-tx';
  /** Wall clock of every instance. */
  nowMs = Date.parse('2026-01-01T00:00:00Z');

  constructor(readonly partitions = 3) {
    const t = this.topics;
    for (const name of [t.agreements, t.incomingDataRecords, t.dataRecordsAggregates, t.deadLetters, t.dataRecordsLate, this.changelogTopic]) this.kafka.createTopic(name, partitions);
  }

  agreementMessage(a: Agreement, partition: number): OutgoingMessage {
    return { topic: this.topics.agreements, partition, key: a.msisdn, value: agreementCodec.encode(a), timestamp: a.signedAt };
  }

  recordMessage(r: ImportedRecord, partition: number): OutgoingMessage {
    return { topic: this.topics.incomingDataRecords, partition, key: r.msisdn, value: importedRecordCodec.encode(r), timestamp: r.recordedAt };
  }

  /** Committed aggregates as the end-to-end suites compare them: key, timestamp, JSON value. */
  aggregates(): { key: string | null; timestamp: number; value: unknown }[] {
    return this.kafka.read(this.topics.dataRecordsAggregates).map((m) => ({ key: m.key, timestamp: m.timestamp, value: JSON.parse(m.value?.toString() ?? 'null') as unknown }));
  }

  deadLetters(): Record<string, unknown>[] {
    return this.kafka.read(this.topics.deadLetters).map((m: IncomingMessage) => JSON.parse(m.value?.toString() ?? 'null') as Record<string, unknown>);
  }

  /** A running ingester instance on these servers (call `consumer.assign` to give it partitions). */
  async startIngester(processor: Partial<UsageProcessorConfig> = {}): Promise<IngesterInstance> {
    const logs: LogLine[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    const log = pino({ level: 'debug' }, sink);
    const metrics = ingesterMetrics(new Registry());
    const store = new DataRecordStore(this.cassandra.client(), 'ks', 4, metrics, log, 20);
    const ingester = new Ingester(
      {
        kafka: { brokers: ['fake:9092'], clientId: 'ingester-test' },
        topics: this.topics,
        changelogTopic: this.changelogTopic,
        groupId: this.groupId,
        transactionalIdPrefix: this.transactionalIdPrefix,
        processor: testProcessorConfig(processor),
        tickMs: TICK_MS,
        sessionTimeoutMs: 30_000,
        stallAfterMs: 60_000,
        watermarkJumpMs: 400 * 86_400_000,
        deadLetterMaxRawBytes: 16_384,
        now: () => this.nowMs,
        ports: ingesterPorts(this.kafka),
      },
      store,
      metrics,
      log,
    );
    const before = this.kafka.consumers.length;
    await ingester.start();
    const consumer = this.kafka.consumers[before]!;
    return { ingester, consumer, logs, store };
  }
}

export interface IngesterInstance {
  ingester: Ingester;
  consumer: FakeConsumer;
  logs: LogLine[];
  store: DataRecordStore;
}

/** Lets every pending promise of the in-memory servers settle (no real I/O is involved). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Moves the wall clock by `ms` and fires the ingester's ticks that fall in it (the test
 * must have called vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })).
 */
export async function advance(servers: FakeServers, ms: number): Promise<void> {
  for (let done = 0; done < ms; done += TICK_MS) {
    servers.nowMs += TICK_MS;
    await vi.advanceTimersByTimeAsync(TICK_MS);
    await settle();
  }
}

/** The original README example: its agreement and its 31 records (30 in January, 1 in February). */
export function seedExample(): { agreement: Agreement; records: ImportedRecord[] } {
  return { agreement: fixtureAgreement(), records: fixtureRecords() };
}
