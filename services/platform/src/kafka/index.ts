export * from './types';
export * from './errors';
export type { KafkaTransactionPort, KafkaTransactionalProducerPort, KafkaOffsetsAdminPort, KafkaConsumerPort } from './ports';
export { setKafkaLogSink, type KafkaLogSink } from './client';
export { KafkaAdmin } from './admin';
export { KafkaProducer, KafkaTransactionalProducer, KafkaTransaction } from './producer';
export { KafkaConsumer, type ConsumerOptions, type MessageBatch, type BatchContext, type RunOptions } from './consumer';
export { waitForKafka, probeKafka } from './readiness';
export { restoreChangelog, RESTORE_MARKER_KEY } from './changelog';
