// What the Ingester needs from Kafka and Cassandra, as ports: the real ones are the
// platform classes (kafkaPorts) and DataRecordStore; the shell's unit tests put
// in-memory fakes in their place (src/testing/), as Kafka Streams' TopologyTestDriver does.
import {
  KafkaAdmin,
  KafkaConsumer,
  KafkaTransactionalProducer,
  changelogRetention,
  restoreChangelog,
  type ChangelogRetention,
  type ConsumerOptions,
  type IncomingMessage,
  type KafkaConnection,
  type KafkaConsumerPort,
  type KafkaOffsetsAdminPort,
  type KafkaTransactionalProducerPort,
} from '@mobilecs/platform';
import type { DataRecordStore } from './data-record-store';

export interface IngesterPorts {
  connectAdmin(): Promise<KafkaOffsetsAdminPort>;
  connectConsumer(opts: ConsumerOptions): Promise<KafkaConsumerPort>;
  /** The transactional producer of input partition `partition`; initialising it fences an older one with the same id. */
  connectProducer(partition: number, transactionalId: string): Promise<KafkaTransactionalProducerPort>;
  /** Reads `topic`'s partitions up to a marker `producer` commits (see platform's restoreChangelog). */
  restoreChangelog(
    producer: KafkaTransactionalProducerPort,
    topic: string,
    onRecord: (message: IncomingMessage) => void,
    opts: { partitions: number[]; from?: ReadonlyMap<number, bigint> },
  ): Promise<{ records: number; next?: Map<number, bigint> }>;
  /** The changelog's log start and end offsets and delete.retention.ms (local snapshots are used only with it). */
  changelogRetention?(topic: string): Promise<ChangelogRetention>;
}

/** The DataRecordStore methods the Ingester calls. */
export type RecordStorePort = Pick<DataRecordStore, 'storedCopies' | 'writeAll' | 'deleteAll'>;

/** What the consumer group learns of this instance, and what it learns of the group. */
export interface GroupHooks {
  /** Advertised in the member metadata (live queries, usage-queries.ts). */
  advertisedUrl?: string;
  /** Called at each join of the group (a rebalance), before the ingester's own handling. */
  onAssignment?: () => void;
}

/** The real ports: platform's Kafka classes on `kafka`. */
export function kafkaPorts(kafka: KafkaConnection, group: GroupHooks = {}): IngesterPorts {
  return {
    connectAdmin: () => KafkaAdmin.connect(kafka),
    connectConsumer: async (opts) => {
      const consumer = await KafkaConsumer.connect(kafka, group.advertisedUrl === undefined ? opts : { ...opts, advertisedUrl: group.advertisedUrl });
      const seen = group.onAssignment;
      if (!seen) return consumer;
      return {
        subscribe: (topics) => consumer.subscribe(topics),
        run: (run) => consumer.run({ ...run, onAssignment: (tps) => (seen(), run.onAssignment?.(tps)) }),
        seek: (to) => consumer.seek(to),
        pause: (tps) => consumer.pause(tps),
        resume: (tps) => consumer.resume(tps),
        disconnect: () => consumer.disconnect(),
      };
    },
    connectProducer: (partition, transactionalId) => KafkaTransactionalProducer.connect({ ...kafka, clientId: `${kafka.clientId}-p${partition}` }, transactionalId),
    restoreChangelog: (producer, topic, onRecord, opts) => restoreChangelog(kafka, producer, topic, onRecord, opts),
    changelogRetention: (topic) => changelogRetention(kafka, topic),
  };
}
