import { describe, inject, it } from 'vitest';
import { CONFORMANCE_CASES } from './cases.js';
import { bundledTarget, externalTarget } from './targets.js';

const brokers = inject('kafkaBrokers');
const target = inject('bundledBroker') ? bundledTarget(brokers) : externalTarget(brokers);
const runId = Date.now().toString(36);

// The cases the local stack depends on, against the broker of this run. The full table, kcat's codecs
// and the cases the bundled broker is known to fail included, is `npm run broker:conformance`.
describe.concurrent(`broker conformance (${target.name})`, () => {
  for (const testCase of CONFORMANCE_CASES.filter((candidate) => candidate.required)) {
    // Concurrent tests must assert with their own `expect`, or a failure is reported against every
    // test running at the time (a group-rebalance stall once showed up as a large-message failure too).
    it(`${testCase.id}: ${testCase.title}`, { timeout: 120_000 }, async ({ expect }) => {
      await expect(testCase.run(target, `conformance.${runId}.${testCase.id}`)).resolves.toBeTypeOf('string');
    });
  }
});
