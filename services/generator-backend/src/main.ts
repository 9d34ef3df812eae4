// Entry point: tsx services/generator-backend/src/main.ts
import { runService } from '@mobilecs/platform';
import { SERVICE, loadGeneratorConfig } from './config';
import { startServer } from './server';

// startServer listens itself, once Kafka and Cassandra answer (tests run it in-process);
// the bootstrap adds the configuration check, the start line and the signals.
void runService({
  name: SERVICE,
  loadConfig: loadGeneratorConfig,
  kafkaClientId: SERVICE,
  async start({ config, log, onShutdown }) {
    const running = await startServer(config, log);
    onShutdown(() => running.stop());
    return { port: running.port };
  },
});
