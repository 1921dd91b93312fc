import { describe, inject, it } from 'vitest';
import { CONFORMANCE_CASES } from './cases.js';
import { clusterTarget } from './targets.js';

const target = clusterTarget(inject('brokerDescription'), inject('kafkaBrokers'));
const runId = Date.now().toString(36);

// The cases the local stack depends on, against the broker of this run. The full table (kcat's codecs,
// the idempotent producer, CreateTopics, a restart of a broker of its own) is `npm run broker:conformance`.
describe.concurrent(`broker conformance (${target.name})`, () => {
  for (const testCase of CONFORMANCE_CASES.filter((candidate) => candidate.required)) {
    // Concurrent tests must assert with their own `expect`, or a failure is reported against every
    // test running at the time (a group-rebalance stall once showed up as a large-message failure too).
    it(`${testCase.id}: ${testCase.title}`, { timeout: 120_000 }, async ({ expect }) => {
      await expect(testCase.run(target, `conformance.${runId}.${testCase.id}`)).resolves.toBeTypeOf('string');
    });
  }
});
