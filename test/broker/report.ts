/**
 * `npm run broker:conformance` — run every conformance case against one broker and print the table.
 * The broker is the bundled one, or the cluster named by KAFKA_BROKERS. Exit 1 when a case the
 * project depends on fails.
 */
import { CONFORMANCE_CASES, ConformanceError } from './cases.js';
import { kcatAvailable } from './kcat.js';
import { startTarget } from './targets.js';

const runId = Date.now().toString(36);

async function main(): Promise<number> {
  const { target, stop } = await startTarget(process.env);
  const hasKcat = await kcatAvailable();
  const rows: string[] = [];
  let requiredFailures = 0;
  try {
    for (const testCase of CONFORMANCE_CASES) {
      const started = performance.now();
      let outcome: string;
      if (testCase.needs === 'kcat' && !hasKcat) {
        outcome = 'not run (kcat not installed)';
      } else if (testCase.needs === 'restart' && !target.restart) {
        outcome = 'not run (this target cannot be restarted on the same address)';
      } else {
        try {
          outcome = `pass: ${await testCase.run(target, `conformance.${runId}.${testCase.id}`)}`;
        } catch (error) {
          if (testCase.required) requiredFailures += 1;
          const reason = error instanceof ConformanceError ? error.message : `error: ${String(error)}`;
          outcome = `FAIL: ${reason}`;
        }
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const row = `| ${testCase.id} | ${testCase.required ? 'yes' : 'no'} | ${outcome} | ${seconds} s |`;
      rows.push(row);
      console.error(row);
    }
  } finally {
    await stop();
  }
  console.log(`\nbroker: ${target.name}\n`);
  console.log('| case | project needs it | result | time |');
  console.log('| --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  return requiredFailures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
