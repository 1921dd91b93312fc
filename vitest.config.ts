import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/infrastructure.ts'],
    setupFiles: ['test/setup/environment.ts'],
    testTimeout: 30_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 60_000,
    // Two cores: more workers than that only fight over the CPU with DynamoDB Local and the broker.
    maxWorkers: 2,
  },
});
