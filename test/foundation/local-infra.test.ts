import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testServers } from '../support/servers';
import { kafkaBrokers } from '../../infra/src/index';

const run = promisify(execFile);
const cli = ['tsx', 'infra/cli.ts'];

describe('local infrastructure commands', () => {
  it('fails fast with a clear message when a port is taken, and starts nothing', async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const home = mkdtempSync(join(tmpdir(), 'mobilecs-infra-'));
    const started = Date.now();
    try {
      const err = (await run('npx', [...cli, 'up', 'kafka'], {
        env: { ...process.env, MOBILECS_INFRA_DIR: home, MOBILECS_KAFKA_PORT: String(port), MOBILECS_KAFKA_CONTROLLER_PORT: String(port + 1) },
      }).then(
        () => undefined,
        (e: unknown) => e,
      )) as { code?: number; stderr?: string } | undefined;
      expect(err?.code).toBe(1);
      expect(err?.stderr).toContain(`port ${port} on 127.0.0.1 is already in use by another process`);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      server.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  // Only meaningful when the tests run on the local JVMs (not env servers or containers).
  const onLocalJvms = () => testServers().kafka.brokers.join(',') === kafkaBrokers.join(',') && !process.env.KAFKA_BROKERS;

  it('infra:up on running servers reuses them (twice in a row is harmless)', async (ctx) => {
    if (!onLocalJvms()) ctx.skip();
    const { stdout } = await run('npx', [...cli, 'up'], { env: process.env });
    expect(stdout).toContain('kafka: reusing the running instance');
    expect(stdout).toContain('cassandra: reusing the running instance');
    const status = await run('npx', [...cli, 'status'], { env: process.env });
    expect(status.stdout).toMatch(/kafka: running, pid \d+/);
    expect(status.stdout).toMatch(/cassandra: running, pid \d+/);
  });
});
