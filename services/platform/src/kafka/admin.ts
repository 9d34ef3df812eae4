import type { Admin } from 'kafkajs';
import { createClient } from './client';
import { KafkaUnavailableError, TopicLayoutError } from './errors';
import type { KafkaConnection, TopicPartitionOffset, TopicSpec } from './types';

/** Topic and group administration. */
export class KafkaAdmin {
  private constructor(private readonly admin: Admin) {}

  static async connect(conn: KafkaConnection): Promise<KafkaAdmin> {
    const admin = createClient(conn).admin();
    try {
      await admin.connect();
    } catch (err) {
      throw new KafkaUnavailableError(conn.brokers, err);
    }
    return new KafkaAdmin(admin);
  }

  /**
   * Creates missing topics and checks existing ones: a topic that exists with a
   * different partition count is reported, never silently accepted, because the
   * co-partitioning of agreements and records depends on it.
   */
  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      try {
        await this.admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((s) => ({
            topic: s.topic,
            numPartitions: s.partitions,
            replicationFactor: s.replicationFactor ?? 1,
            configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
          })),
        });
      } catch (err) {
        // Another process may have created the same topic in the meantime: fine if it now exists.
        const now = new Set(await this.admin.listTopics());
        if (!missing.every((s) => now.has(s.topic))) throw err;
      }
    }
    for (const spec of specs.filter((s) => existing.has(s.topic))) {
      const count = await this.partitionCount(spec.topic);
      if (count !== spec.partitions) {
        throw new TopicLayoutError(
          `topic ${spec.topic} has ${count} partitions but ${spec.partitions} are configured; ` +
            'change the configuration or recreate the topic',
        );
      }
    }
  }

  async partitionCount(topic: string): Promise<number> {
    const md = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const t = md.topics.find((x) => x.name === topic);
    if (!t) throw new TopicLayoutError(`topic ${topic} does not exist`);
    return t.partitions.length;
  }

  async listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  async topicConfig(topic: string): Promise<Record<string, string>> {
    const res = await this.admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic }] });
    const out: Record<string, string> = {};
    for (const r of res.resources) for (const e of r.configEntries) out[e.configName] = e.configValue;
    return out;
  }

  async deleteTopics(topics: string[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await this.admin.deleteTopics({ topics: present });
  }

  /** Committed offsets of a consumer group for one topic (offset '-1' = none). */
  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    const res = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return res.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })));
  }

  /** Latest offsets (high watermarks) of a topic's partitions. */
  async endOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    const res = await this.admin.fetchTopicOffsets(topic);
    return res.map((p) => ({ topic, partition: p.partition, offset: p.high }));
  }

  /** Probes the group coordinator; throws while it is not available yet. */
  async describeGroup(groupId: string): Promise<string> {
    const res = await this.admin.describeGroups([groupId]);
    return res.groups[0]?.state ?? 'Unknown';
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect();
  }
}
