import type { Admin, ConfigResourceTypes, ConfigSource, Kafka } from 'kafkajs';
import { connected, createClient, kafkaModuleLog } from './client';
import { TopicLayoutError } from './errors';
import type { KafkaConnection, TopicPartitionOffset, TopicSpec } from './types';

// kafkajs's enums as values: its CommonJS index does not expose them to ESM named imports.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;
const TOPIC_CONFIG_SOURCE = 1 as ConfigSource;
const READ_UNCOMMITTED = 0;

/**
 * A kafkajs admin whose end offsets are the partitions' high watermarks. kafkajs lists
 * offsets READ_COMMITTED by default, which gives the last stable offset: it stops at an
 * open transaction, so a partition with committed records waiting behind a producer's
 * open (or abandoned) transaction would look read to its end — and idle, letting other
 * partitions close its billing periods early. kafkajs's admin takes no isolation level;
 * its client builds every cluster through one private factory, so the admin's cluster is
 * built READ_UNCOMMITTED there (only offset listing reads the setting).
 */
function adminSeeingOpenTransactions(kafka: Kafka): Admin {
  const factory = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const holder = kafka as unknown as Record<symbol, (opts: Record<string, unknown>) => unknown>;
  if (!factory || typeof holder[factory] !== 'function') throw new Error('kafkajs internals changed: cannot list high watermarks (see admin.ts)');
  const build = holder[factory];
  holder[factory] = (opts) => build({ ...opts, isolationLevel: READ_UNCOMMITTED });
  try {
    return kafka.admin();
  } finally {
    holder[factory] = build;
  }
}

/** Topic and group administration. */
export class KafkaAdmin {
  private constructor(private readonly admin: Admin) {}

  static async connect(conn: KafkaConnection): Promise<KafkaAdmin> {
    const admin = adminSeeingOpenTransactions(createClient(conn));
    await connected(admin, conn);
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
      if (spec.alterExisting?.length) await this.alignTopicConfig(spec);
    }
  }

  /**
   * Applies `spec.alterExisting`'s keys of `spec.config` to an existing topic whose
   * values differ, and logs each change. kafkajs has only the legacy AlterConfigs,
   * which replaces all of a topic's overrides: the topic's current overrides are sent
   * along, so nothing else changes.
   */
  async alignTopicConfig(spec: TopicSpec): Promise<Array<{ name: string; from: string | null; to: string }>> {
    const wanted = Object.fromEntries((spec.alterExisting ?? []).filter((k) => spec.config?.[k] !== undefined).map((k) => [k, spec.config![k]!]));
    const res = await this.admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name: spec.topic }] });
    const entries = res.resources.flatMap((r) => r.configEntries);
    const current = new Map(entries.map((e) => [e.configName, e.configValue]));
    const changes = Object.entries(wanted)
      .filter(([name, value]) => current.get(name) !== value)
      .map(([name, to]) => ({ name, from: current.get(name) ?? null, to }));
    if (changes.length === 0) return changes;
    const overrides = new Map(
      entries.filter((e) => e.configSource === TOPIC_CONFIG_SOURCE && !e.isSensitive).map((e) => [e.configName, e.configValue]),
    );
    for (const c of changes) overrides.set(c.name, c.to);
    await this.admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: TOPIC_RESOURCE, name: spec.topic, configEntries: [...overrides].map(([name, value]) => ({ name, value })) }],
    });
    for (const c of changes) {
      kafkaModuleLog('info', `topic ${spec.topic}: ${c.name} changed from ${c.from ?? '(unset)'} to ${c.to} (configured)`, { topic: spec.topic, config: c.name, from: c.from, to: c.to });
    }
    return changes;
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

  /** Committed offsets of a consumer group for one topic (offset -1n = none committed). */
  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    const res = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return res.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: BigInt(p.offset) })));
  }

  /** Latest offsets of a topic's partitions: the high watermarks, past any open transaction (see adminSeeingOpenTransactions). */
  async endOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    const res = await this.admin.fetchTopicOffsets(topic);
    return res.map((p) => ({ topic, partition: p.partition, offset: BigInt(p.high) }));
  }

  /** Log start offset (records before it deleted or expired) and high watermark of each partition. */
  async offsetRange(topic: string): Promise<{ partition: number; start: bigint; end: bigint }[]> {
    const res = await this.admin.fetchTopicOffsets(topic);
    return res.map((p) => ({ partition: p.partition, start: BigInt(p.low), end: BigInt(p.high) }));
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
