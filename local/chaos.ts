/**
 * `npm run chaos`: the saga demo with 500 orders on the local stack, faults switched on, ending with
 * one line `chaos … lost=<n>` and exit 0 only when every invariant holds and every fault was really
 * injected. Faults: DynamoDB throttling, 5xx and transaction conflicts on a share of the functions'
 * requests (the SDK's retries included), and every command and event delivered 2–3 times (batches
 * replayed after they succeeded, and whole batches replayed after a partial response). Not yet: killed
 * function processes and dropped broker connections.
 */

import { getDocumentClient } from '../lib/store/dynamodb.js';
import { injectDynamoDbFaults } from './chaos/dynamodb-faults.js';
import { runCli } from './cli.js';
import { demoSummary, emulatorTotals, type LocalStack, startLocalStack } from './demo/stack.js';
import { runDemo } from './demo.js';
import { InfrastructureError } from './infra/errors.js';

const ORDERS = 500;
/** Share of the functions' DynamoDB requests that fail (each failure is one of three kinds). */
const DYNAMODB_FAULT_RATE = 0.05;
/** Every batch is delivered again once or twice more, and every partial response replayed whole. */
const DUPLICATE_RATE = 1;

process.env.PAYMENT_PROVIDER_FAILURE_RATE ||= '0.2';
// The functions' logs would drown the one line this command prints; errors still show.
process.env.POWERTOOLS_LOG_LEVEL ||= 'ERROR';

function log(line: string): void {
  if (process.env.CHAOS_VERBOSE) process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
}

async function main(): Promise<number> {
  const started = performance.now();
  const packaging = new AbortController();
  let stack: LocalStack | undefined;
  try {
    stack = await startLocalStack({
      log,
      signal: packaging.signal,
      faults: { duplicateRate: DUPLICATE_RATE, random: Math.random },
    });
    // The functions run in this process and share one document client: fault it, not the demo's own.
    const dynamodb = injectDynamoDbFaults(getDocumentClient(), {
      rate: DYNAMODB_FAULT_RATE,
      random: Math.random,
    });
    const { infrastructure, emulator, apiUrl } = stack;
    const result = await runDemo({
      brokers: infrastructure.kafkaBrokers,
      dynamodbEndpoint: infrastructure.dynamodbEndpoint,
      environment: infrastructure.functionEnvironment,
      apiUrl,
      log,
      orders: ORDERS,
      timeoutMs: 600_000,
    });
    const totals = emulatorTotals(emulator);
    const { fields, healthy } = demoSummary(result, totals);
    const faultsInjected = dynamodb.throttles > 0 && totals.duplicateDeliveries > 0;
    const line = [
      'chaos',
      ...fields,
      'kills=0',
      `throttles=${dynamodb.throttles}`,
      `server_errors=${dynamodb.serverErrors}`,
      `conflicts=${dynamodb.conflicts}`,
      'drops=0',
      `duplicates=${totals.duplicateDeliveries}`,
      `retries=${totals.retries}`,
      `seconds=${Math.round((performance.now() - started) / 1000)}`,
    ].join(' ');
    process.stdout.write(`${line}\n`);
    return healthy && faultsInjected ? 0 : 1;
  } finally {
    packaging.abort();
    await stack?.shutdown();
  }
}

runCli(main, [InfrastructureError]);
