import type { Server } from 'node:http';
import {
  type Emulator,
  type EmulatorOptions,
  emptyRunnerStats,
  type FunctionProcesses,
  type Infrastructure,
  type RunnerOptions,
  type RunnerStats,
  startEmulator,
} from '@msk-patterns/emulator';
import { type DemoResult, runDemo } from '../demo.js';
import { startHttpServer } from '../http-server.js';
import { packageService, startServiceInfrastructure } from '../service.js';

export interface LocalStack {
  infrastructure: Infrastructure;
  emulator: Emulator;
  apiUrl: string;
  /** the packaged CloudFormation template the emulator runs */
  templatePath: string;
  /** stops the HTTP server, the emulator and the services; safe to call more than once */
  shutdown: () => Promise<void>;
}

/**
 * Bring up what `npm start` runs: the services and the packaged template (in parallel), every function
 * behind its emulated mapping, the HTTP functions on a loopback port. Functions run in this process
 * and read their configuration from the environment, as in Lambda. A failed start stops what started.
 */
export async function startLocalStack(options: {
  log: (line: string) => void;
  /** fault injection for the emulated mappings (the chaos run) */
  faults?: RunnerOptions['faults'];
  /** run each mapping's function in a process of its own (the chaos run kills them; the cost run meters them) */
  processes?: FunctionProcesses;
  /** told of every invocation as it returns (the cost run) */
  onInvocation?: EmulatorOptions['onInvocation'];
  /** variables set over the infrastructure's in this process, before anything runs (the cost run's metered endpoint) */
  environment?: (infrastructure: Infrastructure) => Record<string, string>;
  /** aborts packaging when the caller stops early */
  signal: AbortSignal;
  /** the dev stage's packaged template, when the caller has one already (a test's): no packaging */
  templatePath?: string | undefined;
}): Promise<LocalStack> {
  let infrastructure: Infrastructure | undefined;
  let emulator: Emulator | undefined;
  let httpServer: Server | undefined;
  const shutdown = async () => {
    httpServer?.close();
    await emulator?.stop();
    await infrastructure?.stop();
  };
  try {
    const [started, templatePath] = await Promise.all([
      startServiceInfrastructure(),
      options.templatePath ?? packageService(options.signal),
    ]);
    infrastructure = started;
    Object.assign(process.env, infrastructure.functionEnvironment, options.environment?.(infrastructure));
    emulator = await startEmulator({
      templatePath,
      config: infrastructure.config,
      brokers: infrastructure.kafkaBrokers,
      log: options.log,
      faults: options.faults,
      processes: options.processes,
      onInvocation: options.onInvocation,
    });
    const http = await startHttpServer(infrastructure.config, Number(process.env.HTTP_PORT ?? 0));
    httpServer = http.server;
    return { infrastructure, emulator, apiUrl: http.url, templatePath, shutdown };
  } catch (error) {
    await shutdown();
    throw error;
  }
}

/** Run the demo against a started stack (`orders` and `timeoutMs` as the caller wants them). */
export function runStackDemo(
  stack: LocalStack,
  log: (line: string) => void,
  options: { orders?: number; timeoutMs?: number } = {},
): Promise<DemoResult> {
  const { infrastructure, apiUrl, emulator } = stack;
  return runDemo({
    brokers: infrastructure.kafkaBrokers,
    dynamodbEndpoint: infrastructure.dynamodbEndpoint,
    environment: infrastructure.functionEnvironment,
    apiUrl,
    consumers: emulator.runners.map(({ mapping }) => ({
      groupId: mapping.consumerGroupId,
      topic: mapping.topic,
    })),
    log,
    ...options,
  });
}

/** The emulator's counters summed over every mapping. */
export function emulatorTotals(emulator: Emulator): RunnerStats {
  const totals = emptyRunnerStats();
  for (const { stats } of emulator.runners) {
    for (const key of Object.keys(totals) as Array<keyof RunnerStats>) totals[key] += stats[key];
  }
  return totals;
}

/**
 * The demo's outcome as `name=value` fields, and whether every invariant holds.
 *
 * @param options.brokerCrashed - the broker was killed on purpose (chaos): the pollers' consumers
 *   crash with it and restart, which is then expected, not a broker defect; they are still counted
 */
export function demoSummary(
  result: DemoResult,
  totals: RunnerStats,
  options: { brokerCrashed?: boolean } = {},
): { fields: string[]; healthy: boolean } {
  const { invariants } = result;
  const lost = result.lost + totals.dropped;
  const fields = [
    `orders=${result.orders}`,
    ...Object.entries(result.outcomes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([outcome, n]) => `${outcome}=${n}`),
    `provider_errors=${result.providerErrors}`,
    `audited=${result.audited}`,
    `viewed=${result.viewed}`,
    `dead_lettered=${result.deadLettered}`,
    `on_failure_destination=${totals.toDestination}`,
    `consumer_crashes=${totals.consumerCrashes}`,
    `unfinished=${invariants.unfinished}`,
    `stock_conserved=${invariants.stockConserved}`,
    `money_balanced=${invariants.moneyBalanced}`,
    `confirmed_and_cancelled=${invariants.confirmedAndCancelled}`,
    `doubled=${result.doubled}`,
    `lost=${lost}`,
  ];
  const healthy =
    lost === 0 &&
    result.doubled === 0 &&
    (totals.consumerCrashes === 0 || options.brokerCrashed === true) &&
    invariants.unfinished === 0 &&
    invariants.stockConserved &&
    invariants.moneyBalanced &&
    invariants.confirmedAndCancelled === 0;
  return { fields, healthy };
}
