import { Registry, collectDefaultMetrics } from 'prom-client';

/** A Prometheus registry with the process metrics (CPU, memory, event loop) of one service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
