// The README's first way to run mobilecs, exactly as a user does it on a fresh system:
// `npm start` (which starts its own Kafka and Cassandra here: a new, empty infra folder
// on free ports), the two curls of the original walkthrough, then Kafka's own console
// consumer (`npm run consume -- data-records-aggregates`) must print the original's two
// messages; a second files call adds February's; Ctrl-C leaves no process behind.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processTree, survivors, type ProcessInfo } from '../support/process-tree';
import { februaryMessages, januaryMessages, parseRecordLines, type ExpectedMessage } from '../support/seed-example';
import { Command, freePort, killLeftovers, sleep } from './npm-command';

/** The console consumer's lines (timestamp, partition, offset, key, value; tab-separated) as messages. */
function consumerMessages(lines: string[]): ExpectedMessage[] {
  return lines
    .filter((l) => l.startsWith('CreateTime:'))
    .map((l) => {
      const fields = l.split('\t');
      return {
        key: fields[fields.length - 2] ?? '',
        timestamp: Number(/^CreateTime:(\d+)/.exec(fields[0] ?? '')?.[1]),
        value: JSON.parse(fields[fields.length - 1] ?? 'null') as Record<string, unknown>,
      };
    });
}

describe('npm start on a fresh system, the walkthrough by hand, then Ctrl-C', () => {
  const infraDir = mkdtempSync(join(tmpdir(), 'mobilecs-npm-start-infra-'));
  const incomingDir = mkdtempSync(join(tmpdir(), 'mobilecs-npm-start-incoming-'));
  let system: Command | undefined;
  let seen: ProcessInfo[] = [];

  afterAll(async () => {
    // Only when the test failed half-way: nothing may outlive the suite.
    await killLeftovers(seen, system);
    rmSync(infraDir, { recursive: true, force: true });
    rmSync(incomingDir, { recursive: true, force: true });
  });

  it('prints the original two messages, then February\'s, and leaves nothing running after Ctrl-C', { timeout: 900_000 }, async () => {
    const [kafka, controller, cassandra, storage, jmx, backendPort, importerPort, ingesterPort] = await Promise.all(Array.from({ length: 8 }, freePort));
    const env: NodeJS.ProcessEnv = { ...process.env };
    // A fresh system: no servers given, so npm start must start its own.
    for (const v of ['KAFKA_BROKERS', 'CASSANDRA_CONTACT_POINTS', 'CASSANDRA_LOCAL_DATA_CENTER', 'MOBILECS_KEEP_INFRA', 'LOG_LEVEL']) delete env[v];
    for (const v of Object.keys(env)) if (v.startsWith('TOPIC_') || v.startsWith('INGESTER_') || v.startsWith('IMPORTER_')) delete env[v];
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
      INCOMING_DATA_RECORDS_DIR: incomingDir,
      NO_COLOR: '1',
    });

    system = new Command(['start'], env);
    await system.waitFor(/mobilecs is running/, 420_000);
    // What it prints next is what the user types.
    expect(system.lines).toContain(`  curl http://localhost:${backendPort}/api/agreements/generate`);
    expect(system.lines).toContain('  npm run consume -- data-records-aggregates');
    seen = processTree(system.child.pid ?? -1);
    expect(seen.filter((p) => /\bjava\b/.test(p.command.split(' ')[0] ?? '')).length, seen.map((p) => p.command).join('\n')).toBe(2);
    expect(seen.filter((p) => /services\/[a-z-]+\/src\/main\.ts/.test(p.command))).toHaveLength(3);

    const curl = async (path: string) => {
      const res = await fetch(`http://localhost:${backendPort}${path}`);
      expect(res.status, await res.clone().text()).toBe(200);
      return res.text();
    };
    const consume = async (extra: string[]): Promise<ExpectedMessage[]> => {
      const c = new Command(['run', 'consume', '--', 'data-records-aggregates', ...extra], env);
      await c.exited;
      return consumerMessages(c.lines);
    };

    expect(await curl('/api/agreements/generate')).toContain('0b12c601-9287-3f5c-a78c-df508fe0f889');
    expect(await curl('/api/incoming-data-records/generate')).toContain('MSISDNs generated: 48917846822');
    const january = januaryMessages();
    expect(await consume(['--max-messages', String(january.length), '--timeout-ms', '240000'])).toEqual(january);

    await curl('/api/incoming-data-records/generate');
    const files = readdirSync(incomingDir).filter((f) => f.endsWith('.csv'));
    expect(files).toHaveLength(2);
    const february = februaryMessages(files.flatMap((f) => parseRecordLines(readFileSync(join(incomingDir, f), 'utf8'))));
    expect(february.map((m) => m.value.type)).toContain('BILLING_PERIOD_CLOSED');
    const all = [...january, ...february];
    await consume(['--max-messages', String(all.length), '--timeout-ms', '240000']);
    // Exactly these, nothing more: read again until the topic stays quiet for 10 s.
    expect(await consume(['--max-messages', String(all.length + 1), '--timeout-ms', '10000'])).toEqual(all);

    // Ctrl-C: SIGINT to the foreground process group, as a terminal sends it.
    seen = processTree(system.child.pid ?? -1);
    process.kill(-(system.child.pid ?? 0), 'SIGINT');
    const stopped = await Promise.race([system.exited.then(() => true), sleep(180_000).then(() => false)]);
    expect(stopped, system.tail()).toBe(true);
    let left = survivors(seen);
    for (let i = 0; i < 40 && left.length; i++) {
      await sleep(250);
      left = survivors(seen);
    }
    expect(left.map((p) => `${p.pid} ${p.command}`)).toEqual([]);
    expect(system.lines.some((l) => /kafka: stopped|cassandra: stopped/.test(l)), system.tail()).toBe(true);
  });
});
