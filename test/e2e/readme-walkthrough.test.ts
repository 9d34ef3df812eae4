// The README walkthrough as a user does it, against real Kafka and Cassandra: the three
// services as real child processes, two GET calls on generator-backend, then the
// aggregates topic read with read_committed must hold exactly the original's two
// messages (test/fixtures/seed-example/expected-aggregates.jsonl); a second files call
// then closes February too, with values computed from the files the generator wrote.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IncomingMessage } from '@mobilecs/platform';
import { repoRoot } from '../../infra/src/paths';
import { februaryMessages, fixtureDir, fixtureFile, januaryMessages, parseRecordLines } from '../support/seed-example';
import { serverEnv, testServers, uniqueName, uniqueTopicNames } from '../support/servers';
import { ServiceProcess } from '../support/service-process';
import { readTopic } from '../support/topic-reader';

const ingesterEntry = 'services/ingester/src/main.ts';
const asExpected = (m: IncomingMessage) => ({ key: m.key, timestamp: m.timestamp, value: JSON.parse(m.value?.toString('utf8') ?? 'null') as unknown });

describe('README walkthrough (three services as child processes, real Kafka and Cassandra)', () => {
  const topics = uniqueTopicNames('e2e');
  const dir = mkdtempSync(join(tmpdir(), 'mobilecs-e2e-incoming-'));
  const processes: ServiceProcess[] = [];
  const common = (): Record<string, string> => ({
    ...serverEnv(),
    TOPIC_AGREEMENTS: topics.agreements,
    TOPIC_INCOMING_DATA_RECORDS: topics.incomingDataRecords,
    TOPIC_DATA_RECORDS_AGGREGATES: topics.dataRecordsAggregates,
    TOPIC_DEAD_LETTERS: topics.deadLetters,
    TOPIC_DATA_RECORDS_LATE: topics.dataRecordsLate,
    TOPIC_PARTITIONS: '3',
    CASSANDRA_KEYSPACE: uniqueName('e2e'),
    INCOMING_DATA_RECORDS_DIR: dir,
    HTTP_PORT: '0',
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (name: string, entry: string, env: Record<string, string>, ready: RegExp): Promise<number> => {
    const p = new ServiceProcess(name, entry, env);
    processes.push(p);
    const line = await p.waitForLog(ready, 120_000);
    const port = (JSON.parse(line) as { port?: unknown }).port;
    if (typeof port !== 'number' || port === 0) throw new Error(`${name}: no port in ${line}`);
    return port;
  };
  const get = async (port: number, path: string): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    const body = await res.text();
    expect(res.status, `${path}: ${body}`).toBe(200);
    return body;
  };
  const aggregates = (expected: number) =>
    readTopic(testServers().kafka, topics.dataRecordsAggregates, { expected, readCommitted: true, waitMs: 90_000, lingerMs: 3000 });

  it.skipIf(!existsSync(join(repoRoot, ingesterEntry)))(
    'two GET calls give exactly the original two messages on data-records-aggregates, then February closes after the next file',
    { timeout: 360_000 },
    async () => {
      const env = common();
      // generator-backend first: it creates the topics and the keyspace.
      const backend = await start('generator-backend', 'services/generator-backend/src/main.ts', env, /"msg":"generator-backend listening"/);
      await Promise.all([
        start('importer', 'services/importer/src/main.ts', {
          ...env,
          IMPORTER_TRANSACTIONAL_ID: uniqueName('e2e_importer'),
          TOPIC_IMPORTER_PROGRESS: uniqueName('e2e_importer_progress'),
        }, /"msg":"importer ready"/),
        start('ingester', ingesterEntry, {
          ...env,
          INGESTER_GROUP_ID: uniqueName('e2e_ingester'),
          INGESTER_TRANSACTIONAL_ID_PREFIX: uniqueName('e2e_ingester'),
          TOPIC_INGESTER_CHANGELOG: uniqueName('e2e_ingester_changelog'),
          // Partitions without data must not hold the watermark back for long.
          INGESTER_IDLE_TIMEOUT_MS: '2000',
        }, /"msg":"ingester ready"/),
      ]);

      // The original README: one batch of agreements, one file.
      const agreementsSummary = await get(backend, '/api/agreements/generate');
      expect(agreementsSummary).toContain('0b12c601-9287-3f5c-a78c-df508fe0f889');
      expect(await get(backend, '/api/incoming-data-records/generate')).toContain('MSISDNs generated: 48917846822');
      const written = readdirSync(dir).filter((f) => !f.startsWith('tmp') && !f.startsWith('.'));
      expect(written).toEqual([fixtureFile]);
      expect(readFileSync(join(dir, fixtureFile))).toEqual(readFileSync(join(fixtureDir, fixtureFile)));

      const january = januaryMessages();
      expect((await aggregates(january.length)).map(asExpected)).toEqual(january);

      // The next file continues the feed: February closes once the records pass its end.
      await get(backend, '/api/incoming-data-records/generate');
      const written2 = readdirSync(dir).filter((f) => !f.startsWith('tmp') && !f.startsWith('.'));
      const february = februaryMessages(written2.flatMap((f) => parseRecordLines(readFileSync(join(dir, f), 'utf8'))));
      // The second file runs from 2 February to 1 March (generator.md): February must close.
      expect(february.map((m) => m.value.type)).toContain('BILLING_PERIOD_CLOSED');
      expect((await aggregates(january.length + february.length)).map(asExpected)).toEqual([...january, ...february]);
    },
  );
});
