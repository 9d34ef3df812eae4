// What the importer needs from Kafka, as ports: the real ones are platform's Kafka
// classes (kafkaImporterPorts); the service's unit tests put the in-memory fake of
// @mobilecs/platform/testing in their place.
import {
  KafkaTransactionalProducer,
  restoreChangelog,
  type IncomingMessage,
  type KafkaConnection,
  type KafkaTransactionalProducerPort,
} from '@mobilecs/platform';

export interface ImporterPorts {
  /** The importer's transactional producer; initialising it aborts what a previous incarnation left open. */
  connectProducer(transactionalId: string): Promise<KafkaTransactionalProducerPort>;
  /** Reads the whole of `topic` up to a marker `producer` commits (see platform's restoreChangelog). */
  restoreChangelog(producer: KafkaTransactionalProducerPort, topic: string, onRecord: (message: IncomingMessage) => void): Promise<{ records: number }>;
}

/** The real ports: platform's Kafka classes on `kafka`. */
export function kafkaImporterPorts(kafka: KafkaConnection): ImporterPorts {
  return {
    connectProducer: (transactionalId) => KafkaTransactionalProducer.connect(kafka, transactionalId),
    restoreChangelog: (producer, topic, onRecord) => restoreChangelog(kafka, producer, topic, onRecord),
  };
}
