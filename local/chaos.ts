/**
 * `npm run chaos`: the saga demo with 500 orders on the local stack, faults switched on, ending with
 * one line `chaos … lost=<n>` and exit 0 only when every invariant holds and every fault kind and every
 * kill point really happened (a point the dice missed is forced on a few new processes). Each mapping's function runs in a process of its own, killed (SIGKILL) at step boundaries:
 * after the event arrived, after a DynamoDB commit and before publishing, after publishing and before
 * the response, after the response and before the offsets commit. DynamoDB throttling, 5xx and
 * transaction conflicts hit a share of the functions' requests (the SDK's retries included), and every
 * command and event is delivered 2–3 times (batches replayed after they succeeded, and whole batches
 * replayed after a partial response). The functions reach the broker through a loopback proxy that
 * cuts their connections and refuses new ones for 1–3 s every 8–15 s. The broker itself (Apache Kafka,
 * started here) is killed with SIGKILL every 40–70 s and restarted on the same address and data:
 * everything it acknowledged must still be there, for every client.
 */

import { fileURLToPath } from 'node:url';
import { InfrastructureError, runCli } from '@msk-patterns/emulator';
import { containerContext } from '@msk-patterns/pipeline';
import { type BrokerProxy, startBrokerProxy } from './chaos/broker-proxy.js';
import { injectDynamoDbFaults } from './chaos/dynamodb-faults.js';
import { KILL_POINTS, type KillPoint } from './chaos/kill-points.js';
import { demoSummary, emulatorTotals, type LocalStack, runStackDemo, startLocalStack } from './demo/stack.js';

const ORDERS = 500;
/** Share of the functions' DynamoDB requests that fail (each failure is one of three kinds). */
const DYNAMODB_FAULT_RATE = 0.05;
/** Every batch is delivered again once or twice more, and every partial response replayed whole. */
const DUPLICATE_RATE = 1;
/** Chance, at each of the four kill points of an invocation, that its function process dies there. */
const KILL_RATE = 0.01;
/** Broker outages seen by the functions: every 8–15 s, 1–3 s long (connections cut, then refused). */
const OUTAGE_EVERY_MS = [8_000, 15_000] as const;
const OUTAGE_MS = [1_000, 3_000] as const;
/** Broker crashes: SIGKILL every 40–70 s, then a restart on the same ports and data. */
const BROKER_KILL_EVERY_MS = [40_000, 70_000] as const;
const between = ([low, high]: readonly [number, number]) => low + Math.random() * (high - low);

process.env.PAYMENT_PROVIDER_FAILURE_RATE ||= '0.2';
// The functions' logs would drown the one line this command prints; errors still show.
process.env.POWERTOOLS_LOG_LEVEL ||= 'ERROR';
// Read by each function process (local/chaos/kill-points.ts), which gets this environment.
process.env.CHAOS_KILL_RATE = String(KILL_RATE);
process.env.CHAOS_DYNAMODB_FAULT_RATE = String(DYNAMODB_FAULT_RATE);

function log(line: string): void {
  if (process.env.CHAOS_VERBOSE) process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
}

/** Kill points each new function process may be told to die at, while that point has not happened yet. */
const FORCED_KILLS_PER_POINT = 2;

async function main(): Promise<number> {
  const started = performance.now();
  const packaging = new AbortController();
  const faults = new Map<string, number>();
  const onFault = (fault: string) => faults.set(fault, (faults.get(fault) ?? 0) + 1);
  // Every kill point must happen (npm run chaos exits 1 otherwise): one still missing is assigned to a
  // new process, at most FORCED_KILLS_PER_POINT times, skipping the first processes (the run's start).
  const assigned = new Map<KillPoint, number>();
  let spawned = 0;
  const forcedKill = (): { CHAOS_FORCE_KILL_AT?: KillPoint } => {
    spawned += 1;
    if (spawned <= 12) return {};
    const missing = Object.values(KILL_POINTS).find(
      (point) => !faults.has(`kill:${point}`) && (assigned.get(point) ?? 0) < FORCED_KILLS_PER_POINT,
    );
    if (!missing) return {};
    assigned.set(missing, (assigned.get(missing) ?? 0) + 1);
    return { CHAOS_FORCE_KILL_AT: missing };
  };
  let stack: LocalStack | undefined;
  let proxy: BrokerProxy | undefined;
  let outages: NodeJS.Timeout | undefined;
  let crashes: NodeJS.Timeout | undefined;
  let brokerRestarts = 0;
  let restarting: Promise<void> | undefined;
  let restartFailure: unknown;
  try {
    stack = await startLocalStack({
      log,
      signal: packaging.signal,
      faults: { duplicateRate: DUPLICATE_RATE, random: Math.random },
      processes: {
        // The functions reach the broker through the proxy, which has its outages; the pollers do not.
        env: () => ({
          ...process.env,
          ...(proxy ? { KAFKA_BROKERS: proxy.address } : {}),
          ...forcedKill(),
        }),
        killAfterResponseRate: KILL_RATE,
        onFault,
        hooks: fileURLToPath(new URL('./chaos/function-hooks.ts', import.meta.url)),
      },
    });
    const [broker, ...others] = stack.infrastructure.kafkaBrokers;
    if (!broker || others.length > 0)
      throw new InfrastructureError('kafka', 'npm run chaos needs the local broker or a one-broker cluster');
    proxy = await startBrokerProxy(broker);
    const cut = (running: BrokerProxy) => {
      outages = setTimeout(() => {
        running.outage(between(OUTAGE_MS));
        cut(running);
      }, between(OUTAGE_EVERY_MS));
    };
    cut(proxy);
    const { broker: localBroker } = stack.infrastructure;
    if (localBroker) {
      const crash = () => {
        crashes = setTimeout(() => {
          log('broker: SIGKILL, restarting');
          restarting = localBroker.restart('SIGKILL').then(
            () => {
              brokerRestarts += 1;
              log('broker: serving again');
              crash();
            },
            (error: unknown) => {
              restartFailure = error;
            },
          );
        }, between(BROKER_KILL_EVERY_MS));
      };
      crash();
    }
    // The scheduled function runs in this process: its document client is faulted here.
    injectDynamoDbFaults(containerContext().documentClient, {
      rate: DYNAMODB_FAULT_RATE,
      random: Math.random,
      onFault,
    });
    const result = await runStackDemo(stack, log, { orders: ORDERS, timeoutMs: 600_000 });
    clearTimeout(crashes);
    await restarting;
    // A broker that does not come back is the run's failure, not a fault it survived.
    if (restartFailure) throw restartFailure;
    const totals = emulatorTotals(stack.emulator);
    const { fields, healthy } = demoSummary(result, totals, { brokerCrashed: brokerRestarts > 0 });
    const count = (fault: string) => faults.get(fault) ?? 0;
    const killsAt = [...faults].filter(([fault]) => fault.startsWith('kill:')).sort();
    const kills = killsAt.reduce((sum, [, n]) => sum + n, 0);
    const { drops, refusals } = proxy.counts;
    // Every fault kind and every kill point, or the run proved less than its line says.
    const killPoints = [...Object.values(KILL_POINTS), 'after-response'];
    const injected =
      killPoints.every((point) => count(`kill:${point}`) > 0) &&
      ['throttles', 'serverErrors', 'conflicts'].every((kind) => count(kind) > 0) &&
      totals.duplicateDeliveries > 0 &&
      drops > 0 &&
      refusals > 0 &&
      (brokerRestarts > 0 || !localBroker);
    const line = [
      'chaos',
      ...fields,
      `kills=${kills}`,
      ...killsAt.map(([fault, n]) => `${fault.replace('kill:', 'kills_').replaceAll('-', '_')}=${n}`),
      `throttles=${count('throttles')}`,
      `server_errors=${count('serverErrors')}`,
      `conflicts=${count('conflicts')}`,
      `drops=${drops}`,
      `refusals=${refusals}`,
      `broker_restarts=${localBroker ? brokerRestarts : 'n/a'}`,
      `duplicates=${totals.duplicateDeliveries}`,
      `retries=${totals.retries}`,
      `seconds=${Math.round((performance.now() - started) / 1000)}`,
    ].join(' ');
    process.stdout.write(`${line}\n`);
    return healthy && injected ? 0 : 1;
  } finally {
    clearTimeout(outages);
    clearTimeout(crashes);
    await restarting;
    packaging.abort();
    await stack?.shutdown();
    await proxy?.close();
  }
}

runCli(main, [InfrastructureError]);
