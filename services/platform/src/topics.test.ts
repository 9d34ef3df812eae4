import { describe, expect, it } from 'vitest';
import { commonEnvSchema, ConfigError, loadConfig } from './config';
import { defaultTopicNames, segmentBytesFor, topicRetentionFromEnv, topicSpecs } from './topics';

const MiB = 1_048_576;

describe('retention by size of dead-letters and data-records-late (issue #13)', () => {
  it('defaults to 1 GiB per partition, with 128 MiB segments so that retention can delete', () => {
    expect(topicRetentionFromEnv({})).toEqual({ deadLettersBytes: 1024 * MiB, dataRecordsLateBytes: 1024 * MiB });
    const specs = topicSpecs({ names: defaultTopicNames, inputPartitions: 6, outputPartitions: 6, replicationFactor: 1 });
    const config = (topic: string) => specs.find((s) => s.topic === topic)?.config;
    expect(config('dead-letters')).toMatchObject({ 'retention.bytes': String(1024 * MiB), 'segment.bytes': String(128 * MiB), 'retention.ms': '-1' });
    expect(config('data-records-late')).toMatchObject({ 'retention.bytes': String(1024 * MiB), 'segment.bytes': String(128 * MiB) });
    expect(config('agreements')?.['retention.bytes']).toBe('-1');
    expect(config('data-records-aggregates')?.['segment.bytes']).toBeUndefined();
  });

  it('sizes segments a quarter of the retention, between Kafka\'s 1 MiB minimum and 128 MiB', () => {
    expect(segmentBytesFor(MiB)).toBe(MiB);
    expect(segmentBytesFor(8 * MiB)).toBe(2 * MiB);
    expect(segmentBytesFor(100 * MiB)).toBe(25 * MiB);
    expect(segmentBytesFor(10 * 1024 * MiB)).toBe(128 * MiB);
    expect(segmentBytesFor(-1)).toBe(1024 * MiB); // no limit: Kafka's default segment
  });

  it('refuses at start-up what Kafka could not apply, naming the variable', () => {
    for (const bad of ['0', '-2', '1048575', '1.5', 'lots', '1e20']) {
      expect(() => loadConfig('test', commonEnvSchema, { TOPIC_DATA_RECORDS_LATE_RETENTION_BYTES: bad })).toThrow(ConfigError);
    }
    expect(() => topicRetentionFromEnv({ TOPIC_DEAD_LETTERS_RETENTION_BYTES: '1000' })).toThrow(
      /TOPIC_DEAD_LETTERS_RETENTION_BYTES="1000": bytes per partition: -1 \(no limit\) or from 1048576/,
    );
    expect(topicRetentionFromEnv({ TOPIC_DEAD_LETTERS_RETENTION_BYTES: '-1', TOPIC_DATA_RECORDS_LATE_RETENTION_BYTES: String(MiB) })).toEqual({
      deadLettersBytes: -1,
      dataRecordsLateBytes: MiB,
    });
  });
});
