/**
 * `npm start`: the local stack — DynamoDB Local, the Kafka broker, every function behind its emulated
 * MSK event source mapping — and the demo. Runs until Ctrl-C; `npm start -- --once` runs the demo,
 * prints a last line `summary … lost=<n>` and exits 0 only when nothing was lost or doubled.
 */

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InfrastructureError, runCli } from '@msk-patterns/emulator';
import { startLocalConsole } from './console/local.js';
import type { RunningConsole } from './console/server.js';
import { demoSummary, emulatorTotals, type LocalStack, runStackDemo, startLocalStack } from './demo/stack.js';
import { SERVICE_DIRECTORY } from './service.js';
import { LOCAL_STACK_FILE, type LocalStackAddresses } from './smoke/targets.js';

const once = process.argv.includes('--once');
// The demo runs the payment provider with transient failures the core must retry; any value given wins.
process.env.PAYMENT_PROVIDER_FAILURE_RATE ||= '0.2';
// Every function's spans, one JSON line each: an order's trace is `grep <trace id>` away.
const TRACE_FILE = join(SERVICE_DIRECTORY, '.local', 'traces.jsonl');
process.env.TRACE_SPANS ||= `file:${TRACE_FILE}`;

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
}

async function main(): Promise<number> {
  let stack: LocalStack | undefined;
  let operatorConsole: RunningConsole | undefined;
  // Stopped while packaging: the packager must not outlive us.
  const packaging = new AbortController();
  const shutdown = async () => {
    packaging.abort();
    await operatorConsole?.close();
    await stack?.shutdown();
    await rm(LOCAL_STACK_FILE, { force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void shutdown().then(() => process.exit(130));
    });
  }

  await mkdir(dirname(TRACE_FILE), { recursive: true });
  await writeFile(TRACE_FILE, '');
  stack = await startLocalStack({ log, signal: packaging.signal });
  const { infrastructure, emulator, apiUrl } = stack;
  const { timings } = infrastructure;
  log(
    `infrastructure up in ${timings.total} ms (DynamoDB Local ${timings.dynamodb} ms, Kafka ${timings.kafka} ms, tables ${timings.tables} ms); service packaged`,
  );
  log(
    `DynamoDB ${infrastructure.dynamodbEndpoint}  Kafka: ${infrastructure.brokerDescription}, idempotent producer on`,
  );
  log(`inspect a saga: DYNAMODB_ENDPOINT=${infrastructure.dynamodbEndpoint} npm run saga -- <orderId>`);
  log(
    `invoke a function against it: npx serverless invoke local -f audit -p events/audit.json --env DYNAMODB_ENDPOINT=${infrastructure.dynamodbEndpoint} --env KAFKA_BROKERS=${infrastructure.kafkaBrokers.join(',')} --env KAFKA_AUTH=none`,
  );
  log(`query API on ${apiUrl} (e.g. GET ${apiUrl}/orders/<orderId>)`);
  // Where `npm run smoke` finds this stack.
  const addresses: LocalStackAddresses = {
    kafkaBrokers: infrastructure.kafkaBrokers,
    dynamodbEndpoint: infrastructure.dynamodbEndpoint,
    apiUrl,
  };
  await mkdir(dirname(LOCAL_STACK_FILE), { recursive: true });
  await writeFile(LOCAL_STACK_FILE, JSON.stringify(addresses), { mode: 0o600 });
  log('smoke test it: npm run smoke (three orders followed hop by hop)');
  log(`spans of every function: ${process.env.TRACE_SPANS ?? ''} (one trace per order: grep its trace id)`);
  operatorConsole = await startLocalConsole(infrastructure, emulator);
  log(`operator console on ${operatorConsole.url} (loopback only; the token is this start's)`);

  const result = await runStackDemo(stack, log);
  const totals = emulatorTotals(emulator);
  const { fields, healthy } = demoSummary(result, totals);
  const summary = [
    `produced=${result.produced}`,
    `invocations=${totals.invocations}`,
    `records_in=${totals.records}`,
    `retries=${totals.retries}`,
    ...fields,
  ].join(' ');
  if (once) {
    await shutdown();
    process.stdout.write(`summary ${summary}\n`);
    return healthy ? 0 : 1;
  }
  log(`demo done: ${summary}`);
  log('running: produce to orders.commands to see the functions work; Ctrl-C stops everything.');
  // Live progress: one line per function whenever its counters move.
  const shown = new Map<string, string>();
  setInterval(() => {
    for (const runner of emulator?.runners ?? []) {
      const { invocations, records, retries, toDestination, filtered, dropped } = runner.stats;
      const line = `progress ${runner.mapping.functionKey}: invocations=${invocations} records_in=${records} retries=${retries} on_failure_destination=${toDestination} filtered=${filtered} dropped=${dropped}`;
      if (shown.get(runner.mapping.functionKey) !== line) log(line);
      shown.set(runner.mapping.functionKey, line);
    }
  }, 5_000).unref();
  return new Promise<number>(() => {});
}

runCli(main, [InfrastructureError]);
