import { defineConfig } from 'vitest/config';

const shared = {
  setupFiles: ['test/setup/environment.ts'],
  testTimeout: 30_000,
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  hookTimeout: 60_000,
  // Two cores: more workers than that only fight over the CPU with DynamoDB Local and the broker.
  maxWorkers: 2,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/stack/**'],
          globalSetup: ['test/setup/infrastructure.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The whole stack under its deployed consumer groups, on a broker of its own, after the suite.
        test: {
          ...shared,
          name: 'stack',
          include: ['test/stack/**/*.test.ts'],
          globalSetup: ['test/setup/stack.ts'],
          sequence: { groupOrder: 1 },
          maxWorkers: 1,
        },
      },
    ],
  },
});
