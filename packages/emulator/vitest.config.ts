import { defineConfig } from 'vitest/config';

// The package's own unit tests: plain objects, no DynamoDB, no broker, no Java.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
