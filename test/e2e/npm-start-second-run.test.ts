// Issue #13's "a second run fails", as a user meets it: the README's walkthrough through
// `npm start`, Ctrl-C (which also stops the Kafka and Cassandra it started), `npm start`
// again on the same data (this checkout's data folder: Kafka's, Cassandra's and the
// incoming folder inside it), the walkthrough again. The generator must continue the story
// (agreement 2, February's file: 200, not 409) and data-records-aggregates must hold each
// aggregate once (read_committed). Then `npm start -- --fresh` must start from nothing:
// agreement 1 and the January file again, and only January's two aggregates.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KafkaConnection } from '@mobilecs/platform';
import { processTree, survivors, type ProcessInfo } from '../support/process-tree';
import { februaryMessages, fixtureFile, januaryMessages, parseRecordLines, type ExpectedMessage } from '../support/seed-example';
import { readTopic } from '../support/topic-reader';
import { Command, freePort, killLeftovers, sleep } from './npm-command';

const AGREEMENT_1 = '0b12c601-9287-3f5c-a78c-df508fe0f889';
const AGREEMENT_2 = '98519208-a495-3964-81c2-b693eeba892f';

describe('npm start twice on the same data, then npm start -- --fresh', () => {
  // One data folder for all three runs, as the checkout's .infra/ would be (incoming folder inside).
  const infraDir = mkdtempSync(join(tmpdir(), 'mobilecs-npm-start-twice-'));
  const incomingDir = join(infraDir, 'incoming-data-records');
  let system: Command | undefined;
  let seen: ProcessInfo[] = [];

  afterAll(async () => {
    // Only when the test failed half-way: nothing may outlive the suite.
    await killLeftovers(seen, system);
    rmSync(infraDir, { recursive: true, force: true });
  });

  it('continues the story across a restart (200, agreement 2, no duplicate aggregate); --fresh starts over', { timeout: 1_200_000 }, async () => {
    const [kafka, controller, cassandra, storage, jmx, backendPort, importerPort, ingesterPort] = await Promise.all(Array.from({ length: 8 }, freePort));
    const env: NodeJS.ProcessEnv = { ...process.env };
    // npm start's own servers and its default incoming folder (inside the data folder).
    for (const v of ['KAFKA_BROKERS', 'CASSANDRA_CONTACT_POINTS', 'CASSANDRA_LOCAL_DATA_CENTER', 'MOBILECS_KEEP_INFRA', 'LOG_LEVEL', 'INCOMING_DATA_RECORDS_DIR']) delete env[v];
    for (const v of Object.keys(env)) if (v.startsWith('TOPIC_') || v.startsWith('INGESTER_') || v.startsWith('IMPORTER_') || v.startsWith('GENERATOR_')) delete env[v];
    Object.assign(env, {
      MOBILECS_INFRA_DIR: infraDir,
      MOBILECS_KAFKA_PORT: String(kafka),
      MOBILECS_KAFKA_CONTROLLER_PORT: String(controller),
      MOBILECS_CASSANDRA_PORT: String(cassandra),
      MOBILECS_CASSANDRA_STORAGE_PORT: String(storage),
      MOBILECS_CASSANDRA_JMX_PORT: String(jmx),
      MOBILECS_GENERATOR_BACKEND_PORT: String(backendPort),
      MOBILECS_IMPORTER_PORT: String(importerPort),
      MOBILECS_INGESTER_PORT: String(ingesterPort),
      NO_COLOR: '1',
    });
    const conn: KafkaConnection = { brokers: [`127.0.0.1:${kafka}`], clientId: 'mobilecs-test-second-run' };

    const start = async (args: string[] = []) => {
      system = new Command(['start', ...args], env);
      await system.waitFor(/mobilecs is running/, 420_000);
      expect(system.lines).toContain(`  Incoming folder:    ${incomingDir}`);
      seen = processTree(system.child.pid ?? -1);
      return system;
    };
    /** Ctrl-C to the process group; npm start stops the services and the servers it started, nothing is left. */
    const stop = async (s: Command) => {
      seen = processTree(s.child.pid ?? -1);
      process.kill(-(s.child.pid ?? 0), 'SIGINT');
      const stopped = await Promise.race([s.exited.then(() => true), sleep(180_000).then(() => false)]);
      expect(stopped, s.tail()).toBe(true);
      let left = survivors(seen);
      for (let i = 0; i < 40 && left.length; i++) {
        await sleep(250);
        left = survivors(seen);
      }
      expect(left.map((p) => `${p.pid} ${p.command}`)).toEqual([]);
      expect(s.lines.some((l) => /kafka: stopped/.test(l)), s.tail()).toBe(true);
    };
    const curl = async (path: string) => {
      const res = await fetch(`http://localhost:${backendPort}${path}`);
      const body = await res.text();
      expect(res.status, body).toBe(200);
      return body;
    };
    /** data-records-aggregates as read_committed sees it: waits for `expected`, then stays 10 s for any extra. */
    const aggregates = async (expected: number): Promise<ExpectedMessage[]> => {
      const got = await readTopic(conn, 'data-records-aggregates', { expected, readCommitted: true, waitMs: 240_000, lingerMs: 10_000 });
      return got.map((m) => ({ key: m.key ?? '', timestamp: m.timestamp, value: JSON.parse(m.value?.toString('utf8') ?? 'null') as Record<string, unknown> }));
    };
    const sorted = (ms: ExpectedMessage[]) => ms.map((m) => JSON.stringify(m)).sort();
    const csvFiles = () => readdirSync(incomingDir).filter((f) => f.endsWith('.csv')).sort();
    const january = januaryMessages();

    // ---- first run: the walkthrough as the README gives it ----
    let s = await start();
    expect(await curl('/api/agreements/generate')).toBe(`Total number of generated agreements: 1\nAgreements generated in order: ${AGREEMENT_1}`);
    expect(await curl('/api/incoming-data-records/generate')).toContain('MSISDNs generated: 48917846822');
    expect(csvFiles()).toEqual([fixtureFile]);
    expect(sorted(await aggregates(january.length))).toEqual(sorted(january));
    await stop(s);

    // ---- second run, same data: the story continues ----
    s = await start();
    expect(s.lines.some((l) => /--fresh/.test(l) && /deleting/.test(l))).toBe(false);
    expect(await curl('/api/agreements/generate')).toBe(`Total number of generated agreements: 1\nAgreements generated in order: ${AGREEMENT_2}`);
    // The files call that answered 409 before issue #13: February's file.
    expect(await curl('/api/incoming-data-records/generate')).toContain('MSISDNs generated: 48917846822');
    const files = csvFiles();
    expect(files.map((f) => f.slice(0, 19))).toEqual(['idr_000_2020-01-02_', 'idr_001_2020-02-02_']);
    expect(files[0]).toBe(fixtureFile); // the first run's file is untouched
    const february = februaryMessages(files.flatMap((f) => parseRecordLines(readFileSync(join(incomingDir, f), 'utf8'))));
    expect(february.map((m) => m.value.type)).toContain('BILLING_PERIOD_CLOSED');
    // January's aggregates once (the restarted ingester did not emit them again), then February's.
    const all = await aggregates(january.length + february.length);
    expect(new Set(sorted(all)).size, 'a duplicated aggregate').toBe(all.length);
    expect(sorted(all)).toEqual(sorted([...january, ...february]));
    await stop(s);

    // ---- --fresh: everything deleted, the walkthrough gives the original's fixtures again ----
    s = await start(['--', '--fresh']);
    expect(s.lines.some((l) => /--fresh: stopping .* deleting their data/.test(l)), s.tail()).toBe(true);
    expect(existsSync(join(incomingDir, files[1]!))).toBe(false);
    expect(await curl('/api/agreements/generate')).toBe(`Total number of generated agreements: 1\nAgreements generated in order: ${AGREEMENT_1}`);
    expect(await curl('/api/incoming-data-records/generate')).toContain('MSISDNs generated: 48917846822');
    expect(csvFiles()).toEqual([fixtureFile]);
    expect(sorted(await aggregates(january.length))).toEqual(sorted(january));
    await stop(s);
  });
});
