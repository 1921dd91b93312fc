/**
 * `npm start`: the local stack — DynamoDB Local, the Kafka broker, every function behind its emulated
 * MSK event source mapping — and the demo. Runs until Ctrl-C; `npm start -- --once` runs the demo,
 * prints a last line `summary … lost=<n>` and exits 0 only when nothing was lost or doubled.
 */

import type { Server } from 'node:http';
import { runCli } from './cli.js';
import { runDemo } from './demo.js';
import { type Emulator, packageService, startEmulator } from './emulator/index.js';
import { startHttpServer } from './http-server.js';
import { InfrastructureError } from './infra/errors.js';
import { type Infrastructure, startInfrastructure } from './infra/index.js';

const once = process.argv.includes('--once');
// The demo runs the payment provider with transient failures the core must retry; any value given wins.
process.env.PAYMENT_PROVIDER_FAILURE_RATE ||= '0.2';

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
}

async function main(): Promise<number> {
  let infrastructure: Infrastructure | undefined;
  let emulator: Emulator | undefined;
  let httpServer: Server | undefined;
  let apiUrl = '';
  // Stopped while packaging: the packager must not outlive us.
  const packaging = new AbortController();
  const shutdown = async () => {
    packaging.abort();
    httpServer?.close();
    await emulator?.stop();
    await infrastructure?.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void shutdown().then(() => process.exit(130));
    });
  }

  try {
    const [started, templatePath] = await Promise.all([
      startInfrastructure(),
      packageService(packaging.signal),
    ]);
    infrastructure = started;
    const { timings } = infrastructure;
    log(
      `infrastructure up in ${timings.total} ms (DynamoDB Local ${timings.dynamodb} ms, Kafka ${timings.kafka} ms, tables ${timings.tables} ms); service packaged`,
    );
    log(`DynamoDB ${infrastructure.dynamodbEndpoint}  Kafka ${infrastructure.kafkaBrokers.join(',')}`);
    log(`inspect a saga: DYNAMODB_ENDPOINT=${infrastructure.dynamodbEndpoint} npm run saga -- <orderId>`);
    log(
      `invoke a function against it: npx serverless invoke local -f audit -p events/audit.json --env DYNAMODB_ENDPOINT=${infrastructure.dynamodbEndpoint} --env KAFKA_BROKERS=${infrastructure.kafkaBrokers.join(',')} --env KAFKA_AUTH=none --env KAFKA_IDEMPOTENT=false`,
    );
    // Functions run in this process: they read their configuration from the environment, as in Lambda.
    Object.assign(process.env, infrastructure.functionEnvironment);
    emulator = await startEmulator({
      templatePath,
      config: infrastructure.config,
      brokers: infrastructure.kafkaBrokers,
      log,
    });
    const http = await startHttpServer(infrastructure.config, Number(process.env.HTTP_PORT ?? 0));
    httpServer = http.server;
    apiUrl = http.url;
    log(`query API on ${apiUrl} (e.g. GET ${apiUrl}/orders/<orderId>)`);
  } catch (error) {
    await shutdown();
    throw error;
  }

  const result = await runDemo({
    brokers: infrastructure.kafkaBrokers,
    dynamodbEndpoint: infrastructure.dynamodbEndpoint,
    environment: infrastructure.functionEnvironment,
    apiUrl,
    log,
  });
  const { invariants } = result;
  const stats = emulator.runners.map((runner) => runner.stats);
  const total = (pick: (s: (typeof stats)[number]) => number) => stats.reduce((sum, s) => sum + pick(s), 0);
  const summary = [
    `produced=${result.produced}`,
    `invocations=${total((s) => s.invocations)}`,
    `records_in=${total((s) => s.records)}`,
    `retries=${total((s) => s.retries)}`,
    `orders=${result.orders}`,
    ...Object.entries(result.outcomes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([outcome, n]) => `${outcome}=${n}`),
    `provider_errors=${result.providerErrors}`,
    `audited=${result.audited}`,
    `viewed=${result.viewed}`,
    `dead_lettered=${result.deadLettered}`,
    `on_failure_destination=${total((s) => s.toDestination)}`,
    `consumer_crashes=${total((s) => s.consumerCrashes)}`,
    `unfinished=${invariants.unfinished}`,
    `stock_conserved=${invariants.stockConserved}`,
    `money_balanced=${invariants.moneyBalanced}`,
    `confirmed_and_cancelled=${invariants.confirmedAndCancelled}`,
    `doubled=${result.doubled}`,
    `lost=${result.lost + total((s) => s.dropped)}`,
  ].join(' ');
  const healthy =
    result.lost === 0 &&
    result.doubled === 0 &&
    total((s) => s.dropped) === 0 &&
    total((s) => s.consumerCrashes) === 0 &&
    invariants.unfinished === 0 &&
    invariants.stockConserved &&
    invariants.moneyBalanced &&
    invariants.confirmedAndCancelled === 0;
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
