import { Router } from 'express';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency is usable; throws (with a reason) when it is not. */
  check(): Promise<void>;
}

/**
 * /health/live (the process answers), /health/ready (every dependency answers; 503
 * with the failing ones otherwise) and /metrics (Prometheus text format).
 */
export function operationsRouter(registry: Registry, checks: ReadinessCheck[], timeoutMs = 3000): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'UP' });
  });
  router.get('/health/ready', async (_req, res) => {
    const results = await Promise.all(
      checks.map(async (c): Promise<[string, { status: 'UP' | 'DOWN'; reason?: string }]> => {
        try {
          await Promise.race<void>([
            c.check(),
            new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref()),
          ]);
          return [c.name, { status: 'UP' }];
        } catch (err) {
          return [c.name, { status: 'DOWN', reason: err instanceof Error ? err.message : String(err) }];
        }
      }),
    );
    const up = results.every(([, r]) => r.status === 'UP');
    res.status(up ? 200 : 503).json({ status: up ? 'UP' : 'DOWN', checks: Object.fromEntries(results) as Record<string, { status: string; reason?: string }> });
  });
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  });
  return router;
}
