// The Kafka operations a consume-transform-produce service needs, as interfaces: the
// classes of this module implement them, and a service's unit tests can put in-memory
// fakes in their place (@mobilecs/platform/testing: services/platform/src/testing/).
import type { RunOptions } from './consumer';
import type { OutgoingMessage, TopicPartition, TopicPartitionOffset } from './types';

/** One open transaction (KafkaTransaction). */
export interface KafkaTransactionPort {
  send(messages: OutgoingMessage[]): Promise<void>;
  /** Offset after what it wrote, per explicitly chosen topic-partition (see KafkaTransaction.written); optional for fakes. */
  written?(): TopicPartitionOffset[];
  sendOffsets(consumerGroupId: string, offsets: TopicPartitionOffset[]): Promise<void>;
}

/** A transactional producer (KafkaTransactionalProducer): commits if `work` resolves, aborts if it throws. */
export interface KafkaTransactionalProducerPort {
  inTransaction<T>(work: (tx: KafkaTransactionPort) => Promise<T>): Promise<T>;
  disconnect(): Promise<void>;
}

/** The offsets part of KafkaAdmin. */
export interface KafkaOffsetsAdminPort {
  endOffsets(topic: string): Promise<TopicPartitionOffset[]>;
  committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]>;
  disconnect(): Promise<void>;
}

/** A consumer-group member (KafkaConsumer). */
export interface KafkaConsumerPort {
  subscribe(topics: string[]): Promise<void>;
  run(run: RunOptions): Promise<void>;
  seek(to: TopicPartitionOffset): void;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  disconnect(): Promise<void>;
}
