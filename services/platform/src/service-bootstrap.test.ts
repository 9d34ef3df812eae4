import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { commonEnvSchema, intFromEnv, loadConfig } from './config';
import { runService, type ServiceDefinition, type ServiceProcessHooks } from './service-bootstrap';

const schema = commonEnvSchema.extend({ HTTP_PORT: intFromEnv(0, 65_535).default(0), WIDGETS: intFromEnv(1, 10).default(3) });
type Config = z.infer<typeof schema>;

/** The process runService sees: an environment, exits and signals recorded, log lines kept. */
function fakeProcess(env: NodeJS.ProcessEnv = {}) {
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const signals = new Map<string, () => void>();
  let stderr = '';
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => (resolveExit = r));
  const proc: ServiceProcessHooks = {
    env,
    exit: (code) => resolveExit(code),
    onSignal: (signal, handler) => void signals.set(signal, handler),
    stderr: (text) => void (stderr += text),
    createLogger: (service) =>
      pino(
        { name: service, base: { service } },
        new Writable({
          write(chunk: Buffer, _enc, done) {
            lines.push(JSON.parse(chunk.toString()) as { msg: string });
            done();
          },
        }),
      ),
  };
  return { proc, lines, signals, exited, stderr: () => stderr, messages: () => lines.map((l) => l.msg) };
}

const definition = (over: Partial<ServiceDefinition<Config>> = {}): ServiceDefinition<Config> => ({
  name: 'widget',
  loadConfig: (env) => loadConfig('widget', schema, env),
  start: async () => undefined,
  ...over,
});

describe('runService', () => {
  it('exits with code 2 and a message naming the variable when the configuration is bad, before anything starts', async () => {
    const p = fakeProcess({ WIDGETS: '99' });
    let started = false;
    await runService(definition({ start: async () => void (started = true) }), p.proc);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(/^widget: invalid configuration\n {2}- WIDGETS="99": /);
    expect(started).toBe(false);
    expect(p.lines).toEqual([]);
  });

  it('listens on loopback with health and metrics, logs starting (port, Node) and ready; a signal runs the hooks last-first, then exits 0', async () => {
    const p = fakeProcess();
    const order: string[] = [];
    await runService(
      definition({
        startFields: (c) => ({ widgets: c.WIDGETS }),
        stoppingMessage: 'shutting down: putting widgets away',
        http: () => ({ checks: [{ name: 'widgets', check: async () => undefined }], routes: (app) => void app.get('/api/widgets', (_q, res) => void res.json([1])) }),
        start: async (ctx) => {
          ctx.onShutdown(() => void order.push('first started'));
          ctx.onShutdown(async () => void order.push('last started'));
          return { widgets: ctx.config.WIDGETS };
        },
      }),
      p.proc,
    );
    const starting = p.lines.find((l) => l.msg === 'widget starting');
    expect(starting).toMatchObject({ bindAddress: '127.0.0.1', widgets: 3, node: process.version });
    const url = `http://127.0.0.1:${String(starting?.port)}`;
    expect(p.lines.find((l) => l.msg === 'widget ready')).toMatchObject({ port: starting?.port, widgets: 3 });
    expect(await (await fetch(`${url}/health/ready`)).json()).toMatchObject({ status: 'UP', checks: { widgets: { status: 'UP' } } });
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    expect(await (await fetch(`${url}/api/widgets`)).json()).toEqual([1]);
    p.signals.get('SIGTERM')?.();
    expect(await p.exited).toBe(0);
    expect(order).toEqual(['last started', 'first started']);
    expect(p.lines.find((l) => l.msg === 'shutting down: putting widgets away')).toMatchObject({ signal: 'SIGTERM' });
    expect(p.messages().at(-1)).toBe('widget stopped');
    // The HTTP server was closed by the last hook.
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  });

  it('logs a failed start-up and exits with code 1', async () => {
    const p = fakeProcess();
    await runService(definition({ start: () => Promise.reject(new Error('no widgets')) }), p.proc);
    expect(await p.exited).toBe(1);
    expect(p.lines.at(-1)).toMatchObject({ msg: 'start-up failed', err: { message: 'no widgets' } });
  });

  it('a fatal error at run time stops gracefully with its exit code; a hook that fails is logged and gives exit code 1', async () => {
    const p = fakeProcess();
    let shutdown: ((reason: string, code?: number) => Promise<void>) | undefined;
    await runService(definition({ start: async (ctx) => void (shutdown = ctx.shutdown) }), p.proc);
    void shutdown?.('fenced', 3);
    expect(await p.exited).toBe(3);
    expect(p.lines.find((l) => l.msg === 'shutdown requested')).toMatchObject({ signal: 'fenced' });

    const q = fakeProcess();
    await runService(definition({ start: async (ctx) => ctx.onShutdown(() => Promise.reject(new Error('stuck'))) }), q.proc);
    q.signals.get('SIGINT')?.();
    expect(await q.exited).toBe(1);
    expect(q.messages()).toContain('error while stopping');
  });

  it('a signal during start-up stops what was started and is not a failed start-up', async () => {
    const p = fakeProcess();
    await runService(
      definition({
        start: async (ctx) => {
          p.signals.get('SIGTERM')?.();
          expect(ctx.signal.aborted).toBe(true);
          throw ctx.signal.reason;
        },
      }),
      p.proc,
    );
    expect(await p.exited).toBe(0);
    expect(p.messages()).not.toContain('start-up failed');
  });
});
