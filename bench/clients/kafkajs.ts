// kafkajs, exactly as the services use it: through our Kafka module.
import { createRequire } from 'node:module';
import { KafkaConsumer, KafkaTransactionalProducer, ProducerFencedError, type KafkaConnection } from '@mobilecs/platform';
import type { BenchClient, BenchConsumer, BenchTxProducer } from './types';

class ModuleConsumer implements BenchConsumer {
  constructor(
    readonly groupId: string,
    private readonly consumer: KafkaConsumer,
  ) {}

  async run(eachBatch: Parameters<BenchConsumer['run']>[0]): Promise<void> {
    // kafkajs calls eachBatch per partition batch, one at a time (partitionsConsumedConcurrently 1).
    await this.consumer.run({ eachBatch: (batch) => eachBatch(batch.messages) });
  }

  disconnect(): Promise<void> {
    return this.consumer.disconnect();
  }
}

export function kafkajsClient(conn: KafkaConnection): BenchClient {
  const version = (createRequire(import.meta.url)('kafkajs/package.json') as { version: string }).version;
  return {
    name: 'kafkajs',
    version,
    kip447: 'no: sendOffsets takes only a group id; TxnOffsetCommit carries no generation/member id, OffsetFetch no require_stable',
    async transactionalProducer(transactionalId): Promise<BenchTxProducer> {
      const producer = await KafkaTransactionalProducer.connect(conn, transactionalId);
      return {
        async begin() {
          const tx = await producer.begin();
          return {
            send: (messages) => tx.send(messages),
            sendOffsets: (consumer, offsets) => tx.sendOffsets(consumer.groupId, offsets),
            commit: () => tx.commit(),
            abort: () => tx.abort(),
          };
        },
        disconnect: () => producer.disconnect(),
      };
    },
    async consumer(groupId, topic) {
      const consumer = await KafkaConsumer.connect(conn, { groupId, readCommitted: true, manualCommit: true, fromBeginning: true });
      await consumer.subscribe([topic]);
      return new ModuleConsumer(groupId, consumer);
    },
    isFenced: (err) => err instanceof ProducerFencedError,
  };
}
