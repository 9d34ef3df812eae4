// npm run produce / npm run consume (Kafka's own console tools, issue 13): typing an
// agreement by hand, and a consumer that ends by itself — after N messages or after a
// quiet time — with exit code 0 and no stack trace.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaAdmin } from '@mobilecs/platform';
import { repoRoot } from '../../infra/src/paths';
import { serverEnv, testServers, uniqueName } from '../support/servers';

function npm(args: string[], input?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', ...args], { cwd: repoRoot, env: { ...process.env, ...serverEnv() }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.stdin.end(input ?? '');
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('console tools (real Kafka)', () => {
  const topic = uniqueName('console');
  afterAll(async () => {
    const admin = await KafkaAdmin.connect(testServers().kafka);
    await admin.deleteTopics([topic]).catch(() => undefined);
    await admin.disconnect();
  });

  it('produce takes key|value lines; consume ends after --max-messages, or after --timeout-ms of quiet, with exit 0 and no stack trace', async () => {
    const admin = await KafkaAdmin.connect(testServers().kafka);
    await admin.ensureTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
    await admin.disconnect();
    const agreement = '{"id":"0b12c601-9287-3f5c-a78c-df508fe0f889","msisdn":"48917846822"}';
    const produced = await npm(['produce', '--', topic], `48917846822|${agreement}\n48917846823|{"n":2}\n`);
    expect(produced.code, produced.out).toBe(0);

    const first = await npm(['consume', '--', topic, '--max-messages', '1']);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain(`48917846822\t${agreement}`);
    expect(first.out).not.toContain('48917846823');

    const quiet = await npm(['consume', '--', topic, '--timeout-ms', '3000']);
    expect(quiet.code, quiet.out).toBe(0);
    expect(quiet.out).toContain('48917846823\t{"n":2}');
    expect(quiet.out).toContain('Processed a total of 2 messages');
    expect(quiet.out).not.toMatch(/Exception|\tat org\./);

    const bad = await npm(['consume', '--', topic, '--timeout-ms', 'soon']);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('--timeout-ms needs a number of milliseconds, got "soon"');
    expect(bad.out).not.toMatch(/\n\s+at /);
  });
});
