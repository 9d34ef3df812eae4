/**
 * Client-neutral message types: the rest of mobilecs speaks these, never a Kafka
 * client's own types, so the client library can be swapped behind this module.
 */
export interface KafkaConnection {
  /** host:port list, e.g. ['127.0.0.1:9092']. */
  brokers: string[];
  clientId: string;
}

export interface OutgoingMessage {
  topic: string;
  key: string | null;
  value: string | Buffer | null;
  /** Record timestamp in epoch milliseconds (CreateTime). */
  timestamp?: number;
  partition?: number;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit: a bigint, never a number. */
  offset: bigint;
  key: string | null;
  value: Buffer | null;
  timestamp: number;
  headers: Record<string, string>;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  /** The next offset to read (committed offset semantics); 64-bit. */
  offset: bigint;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor?: number;
  /** Topic-level configs, e.g. { 'cleanup.policy': 'compact' }. */
  config?: Record<string, string>;
  /**
   * Keys of `config` that are also applied to a topic that already exists, when its
   * value differs (the change is logged). Other keys only apply at creation.
   */
  alterExisting?: readonly string[];
}
