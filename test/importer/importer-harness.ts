import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaAdmin, type IncomingMessage } from '@mobilecs/platform';
import { serverEnv, testServers, uniqueName, uniqueTopicNames } from '../support/servers';
import { ServiceProcess } from '../support/service-process';
import { readTopic } from '../support/topic-reader';

/** One isolated importer setup: its own folder, topics, progress topic and transactional id. */
export class ImporterHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'mobilecs-incoming-'));
  readonly topics = uniqueTopicNames('imp');
  readonly progressTopic = uniqueName('importer_progress');
  readonly transactionalId = uniqueName('importer');
  private processes: ServiceProcess[] = [];

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  env(): Record<string, string> {
    return {
      ...serverEnv(),
      INCOMING_DATA_RECORDS_DIR: this.dir,
      TOPIC_AGREEMENTS: this.topics.agreements,
      TOPIC_INCOMING_DATA_RECORDS: this.topics.incomingDataRecords,
      TOPIC_DATA_RECORDS_AGGREGATES: this.topics.dataRecordsAggregates,
      TOPIC_DEAD_LETTERS: this.topics.deadLetters,
      TOPIC_DATA_RECORDS_LATE: this.topics.dataRecordsLate,
      TOPIC_IMPORTER_PROGRESS: this.progressTopic,
      TOPIC_PARTITIONS: '3',
      IMPORTER_TRANSACTIONAL_ID: this.transactionalId,
      HTTP_PORT: '0',
      ...this.extraEnv,
    };
  }

  async start(): Promise<ServiceProcess> {
    const p = new ServiceProcess('importer', 'services/importer/src/main.ts', this.env());
    this.processes.push(p);
    await p.waitForLog(/"msg":"importer ready"/, 90_000);
    return p;
  }

  /** Writes a file the way operators should: tmp name first, then rename into place. */
  drop(name: string, content: string | Buffer): string {
    const tmp = join(this.dir, `tmp_${name}`);
    writeFileSync(tmp, content);
    const path = join(this.dir, name);
    renameSync(tmp, path);
    return path;
  }

  records(expected: number, waitMs = 30_000): Promise<IncomingMessage[]> {
    return readTopic(testServers().kafka, this.topics.incomingDataRecords, { expected, waitMs });
  }

  deadLetters(expected: number, waitMs = 30_000): Promise<IncomingMessage[]> {
    return readTopic(testServers().kafka, this.topics.deadLetters, { expected, waitMs });
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill('SIGKILL')));
    const admin = await KafkaAdmin.connect(testServers().kafka);
    await admin.deleteTopics([...Object.values(this.topics as unknown as Record<string, string>), this.progressTopic]).catch(() => undefined);
    await admin.disconnect();
  }
}
