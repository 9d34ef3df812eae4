import { Router } from 'express';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency is usable; throws (with a reason) when it is not. */
  check(): Promise<void>;
  /** How the reason names the dependency ("Cassandra"); default: the name, capitalised. */
  label?: string;
}

/**
 * A short, path-free name for an error: of its innermost cause (a wrapper such as
 * CassandraUnavailableError says less than the NoHostAvailableError inside it), the
 * code when that is a system error code (ECONNREFUSED, EACCES), else the class name
 * (NoHostAvailableError), else "Error".
 */
export function errorKind(err: unknown): string {
  let inner = err;
  for (let depth = 0; depth < 5 && inner instanceof Error && inner.cause instanceof Error; depth++) inner = inner.cause;
  const e = inner as { code?: unknown; name?: unknown } | null | undefined;
  const identifier = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
  if (typeof e?.code === 'string' && /^E[A-Z0-9_]{1,40}$/.test(e.code)) return e.code;
  if (typeof e?.name === 'string' && identifier.test(e.name)) return e.name;
  return 'Error';
}

/** Something that looks like a file path: "/home/…/x.js", "./a/b", "C:\\…\\x", "file:///…". */
const FILE_PATH = /(?:file:\/\/)?(?:[A-Za-z]:)?\.{0,2}[\\/](?:[^\s\\/'"()]+[\\/])+[^\s'"()]*/g;

/**
 * The reason /health/ready gives for a failed check: short and without internals. A
 * check's own explanation (a plain Error without a cause, e.g. "partition 0 has not committed for 31 s")
 * is kept, its first line only, paths cut out; a library's error (cassandra-driver's
 * NoHostAvailableError, a kafkajs error), whose message carries inner errors and
 * addresses, becomes "<Label> unreachable (<ErrorClass>)".
 */
export function readinessReason(check: Pick<ReadinessCheck, 'name' | 'label'>, err: unknown): string {
  const label = check.label ?? check.name.charAt(0).toUpperCase() + check.name.slice(1);
  if (err instanceof Error && err.constructor === Error && err.name === 'Error' && err.cause === undefined) {
    const firstLine = (err.message.split('\n')[0] ?? '').replace(FILE_PATH, '<path>').trim();
    if (firstLine) return firstLine.length > 300 ? `${firstLine.slice(0, 297)}...` : firstLine;
  }
  return `${label} unreachable (${errorKind(err)})`;
}

class CheckTimeout extends Error {
  constructor(readonly ms: number) {
    super(`did not answer within ${ms} ms`);
    this.name = 'CheckTimeout';
  }
}

interface RequestExtras {
  id?: unknown;
  log?: { warn(obj: object, msg: string): void };
}

/**
 * /health/live (the process answers), /health/ready (every dependency answers; 503
 * with the failing ones otherwise) and /metrics (Prometheus text format). A 503 answers
 * with a code, a message and short reasons; the full errors go to the request's logger
 * (pino-http's req.log, when the app has one) with its request id, which the answer names.
 */
export function operationsRouter(registry: Registry, checks: ReadinessCheck[], timeoutMs = 3000): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'UP' });
  });
  router.get('/health/ready', async (req, res) => {
    const failures: { name: string; err: unknown }[] = [];
    const results = await Promise.all(
      checks.map(async (c): Promise<[string, { status: 'UP' | 'DOWN'; reason?: string }]> => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race<void>([
            c.check(),
            new Promise<void>((_, reject) => {
              timer = setTimeout(() => reject(new CheckTimeout(timeoutMs)), timeoutMs);
              timer.unref();
            }),
          ]);
          return [c.name, { status: 'UP' }];
        } catch (err) {
          failures.push({ name: c.name, err });
          const label = c.label ?? c.name.charAt(0).toUpperCase() + c.name.slice(1);
          const reason = err instanceof CheckTimeout ? `${label} ${err.message}` : readinessReason(c, err);
          return [c.name, { status: 'DOWN', reason }];
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const up = failures.length === 0;
    const checksBody = Object.fromEntries(results) as Record<string, { status: string; reason?: string }>;
    if (up) {
      res.status(200).json({ status: 'UP', checks: checksBody });
      return;
    }
    const extras = req as unknown as RequestExtras;
    const requestId = typeof extras.id === 'string' || typeof extras.id === 'number' ? String(extras.id) : undefined;
    for (const f of failures) extras.log?.warn({ check: f.name, err: f.err, requestId }, `readiness check ${f.name} failed`);
    const message = `not ready: ${results
      .filter(([, r]) => r.status === 'DOWN')
      .map(([name, r]) => `${name}: ${r.reason ?? 'DOWN'}`)
      .join('; ')}`;
    res.status(503).json({ status: 'DOWN', code: 'not-ready', message, checks: checksBody, ...(requestId !== undefined ? { requestId } : {}) });
  });
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  });
  return router;
}
