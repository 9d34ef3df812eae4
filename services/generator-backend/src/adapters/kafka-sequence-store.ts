// The sequences in a compacted Kafka topic (latest value per key), written through one
// transactional id that every replica shares. Loading initialises that id, which fences
// whichever replica loaded before (Kafka aborts its open transaction and refuses its
// next one), then reads the topic to its end (restoreChangelog). So a save that commits
// was made from the latest state: a replica that was fenced gets
// SequencesTakenOverError, loads again and continues from what the other one wrote.
// After any failed save the next call loads again too.
import {
  KafkaTransactionalProducer,
  ProducerFencedError,
  restoreChangelog,
  type KafkaConnection,
  type TopicSpec,
} from '@mobilecs/platform';
import { SequencesTakenOverError, type SequenceStore } from '../sequences';

/** The topic: one partition (a handful of keys), compacted. */
export function sequencesTopicSpec(topic: string, replicationFactor: number): TopicSpec {
  return { topic, partitions: 1, replicationFactor, config: { 'cleanup.policy': 'compact' } };
}

/** The transactional id every replica writing `topic` shares. */
export const sequencesTransactionalId = (topic: string): string => `mobilecs-generator-sequences.${topic}`;

export class KafkaSequenceStore implements SequenceStore {
  private producer: KafkaTransactionalProducer | undefined;

  constructor(
    private readonly conn: KafkaConnection,
    private readonly topic: string,
    private readonly opts: { restoreTimeoutMs?: number } = {},
  ) {}

  async load(): Promise<ReadonlyMap<string, string>> {
    await this.dropProducer();
    const producer = await KafkaTransactionalProducer.connect(this.conn, sequencesTransactionalId(this.topic));
    try {
      const values = new Map<string, string>();
      await restoreChangelog(
        this.conn,
        producer,
        this.topic,
        (m) => {
          if (m.key === null) return;
          if (m.value === null) values.delete(m.key);
          else values.set(m.key, m.value.toString('utf8'));
        },
        { timeoutMs: this.opts.restoreTimeoutMs ?? 60_000 },
      );
      this.producer = producer;
      return values;
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async save(entries: readonly (readonly [string, string])[]): Promise<void> {
    const producer = this.producer;
    if (!producer) throw new SequencesTakenOverError();
    try {
      await producer.inTransaction((tx) => tx.send(entries.map(([key, value]) => ({ topic: this.topic, partition: 0, key, value }))));
    } catch (err) {
      // Whatever happened (fenced, or a commit whose outcome is unknown), the next call loads
      // again and so continues from what Kafka really holds.
      await this.dropProducer();
      throw err instanceof ProducerFencedError ? new SequencesTakenOverError(err) : err;
    }
  }

  async close(): Promise<void> {
    await this.dropProducer();
  }

  private async dropProducer(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    await p?.disconnect().catch(() => undefined);
  }
}
