import { describe, expect, inject, it } from 'vitest';
import { CONFORMANCE_CASES } from './cases.js';
import { bundledTarget, externalTarget } from './targets.js';

const brokers = inject('kafkaBrokers');
const target = inject('bundledBroker') ? bundledTarget(brokers) : externalTarget(brokers);
const runId = Date.now().toString(36);

// The cases the local stack depends on, against the broker of this run. The full table, kcat's codecs
// and the cases the bundled broker is known to fail included, is `npm run broker:conformance`.
describe.concurrent(`broker conformance (${target.name})`, () => {
  for (const testCase of CONFORMANCE_CASES.filter((candidate) => candidate.required)) {
    it(`${testCase.id}: ${testCase.title}`, { timeout: 90_000 }, async () => {
      await expect(testCase.run(target, `conformance.${runId}.${testCase.id}`)).resolves.toBeTypeOf('string');
    });
  }
});
