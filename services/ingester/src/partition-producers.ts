import { KafkaTransactionalProducer, type KafkaConnection } from '@mobilecs/platform';

/**
 * One transactional producer per input partition (`<prefix>-<partition>`), as kafkajs
 * recommends without KIP-447: whoever takes over a partition initialises its
 * transactional id, which aborts the previous owner's open transaction and fences it.
 */
export class PartitionProducers {
  private readonly producers = new Map<number, Promise<KafkaTransactionalProducer>>();

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly prefix: string,
  ) {}

  get(partition: number): Promise<KafkaTransactionalProducer> {
    let p = this.producers.get(partition);
    if (!p) {
      p = KafkaTransactionalProducer.connect({ ...this.kafka, clientId: `${this.kafka.clientId}-p${partition}` }, `${this.prefix}-${partition}`);
      p.catch(() => this.producers.delete(partition));
      this.producers.set(partition, p);
    }
    return p;
  }

  async release(partition: number): Promise<void> {
    const p = this.producers.get(partition);
    this.producers.delete(partition);
    if (p) await (await p).disconnect().catch(() => undefined);
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.producers.keys()].map((p) => this.release(p)));
  }
}
