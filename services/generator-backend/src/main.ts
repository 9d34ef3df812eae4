// Entry point: tsx services/generator-backend/src/main.ts
import { ConfigError, createLogger } from '@mobilecs/platform';
import { SERVICE, loadGeneratorConfig } from './config';
import { startServer } from './server';

async function main(): Promise<void> {
  let config;
  try {
    config = loadGeneratorConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(SERVICE, config.LOG_LEVEL);
  // The runtime in the start line: what runs is what was tested (Node 24, see package.json).
  logger.info({ node: process.version }, 'generator-backend starting');
  const running = await startServer(config, logger).catch((err: unknown) => {
    logger.fatal({ err }, 'start-up failed');
    process.exit(1);
  });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutdown requested');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

void main();
