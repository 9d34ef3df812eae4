import { configDefaults, defineConfig } from 'vitest/config';

// Two projects: pure unit tests next to the code (no servers), and the integration /
// end-to-end suites under test/ that run against real Kafka and Cassandra, found or
// started once by the global setup.
export default defineConfig({
  test: {
    coverage: {
      provider: 'v8',
      include: ['libs/*/src/**/*.ts'],
      exclude: ['**/*.test.ts'],
      reporter: ['text-summary'],
      // The pure core must stay exhaustively tested (issue 3): npm test fails below this.
      thresholds: { lines: 90 },
    },
    projects: [
      {
        test: {
          name: 'unit',
          // test/deploy: offline checks of the Dockerfile, docker-compose.yml and k8s/ (no servers);
          // scripts/: npm start's pure parts (its restart policy); web/: the dashboard's pure parts.
          include: ['libs/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'web/*/src/**/*.test.ts', 'test/deploy/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/deploy/**'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // Suites share one Kafka and one Cassandra; each uses its own topics and keyspaces.
          fileParallelism: false,
        },
      },
    ],
  },
});
