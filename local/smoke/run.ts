import { randomUUID } from 'node:crypto';
import { type DeadLetter, readDeadLetters } from '@msk-patterns/emulator';
import {
  envelopeHeaders,
  formatTraceparent,
  newTrace,
  type ServiceContext,
  TRACEPARENT_HEADER,
} from '@msk-patterns/pipeline';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import * as z from 'zod/mini';
import { inventoryStore } from '../../functions/inventory/handler.js';
import { SAGA_STATES } from '../../lib/domain/saga-names.js';
import { isTerminal } from '../../lib/domain/saga-types.js';
import { type MappingSource, MappingWatch } from '../console/mappings.js';
import { apiForbidden, kafkaFailure, SmokeError, tableFailure } from './diagnose.js';
import { HOP_NAMES, SMOKE_HEADER, SMOKE_SKU, type SmokeOrder, smokeOrders } from './plan.js';

/** Where a smoke run goes: a running `npm start`, or a deployed stage. */
export interface SmokeTarget {
  /** as printed: `the local stack`, `stage prod` */
  name: string;
  kafka: KafkaConfig;
  /** the cluster, on a stage (named in IAM failures) */
  clusterArn?: string | undefined;
  /** the stage's tables: the smoke run puts its own SKU's units on the shelf */
  service: ServiceContext;
  apiUrl: string;
  /** a GET to the query API, signed on a stage */
  get: (path: string) => Promise<{ status: number; body: unknown }>;
  /** the mappings serverless.yml declares, whose lag explains an order that did not move */
  mappings: readonly MappingSource[];
  /** on a stage, each mapping's state as Lambda reports it (Enabled, Disabled, Creating…) */
  mappingStates?: (() => Promise<Map<string, string>>) | undefined;
  /** the payment provider's limit (PAYMENT_CUSTOMER_LIMIT): one order goes over it */
  customerLimit: number;
}

export interface SmokeOptions {
  /** how long every order has to reach its outcome */
  timeoutMs: number;
  log: (line: string) => void;
  /** @default 500 */
  pollMs?: number | undefined;
}

const sagaAnswer = z.object({
  state: z.enum(SAGA_STATES),
  cause: z.optional(z.string()),
  outcome: z.string(),
  pending: z.array(z.string()),
  timeline: z.array(z.object({ at: z.string(), to: z.string(), trigger: z.object({ type: z.string() }) })),
});
type SagaAnswer = z.infer<typeof sagaAnswer>;
const orderAnswer = z.object({
  status: z.string(),
  timeline: z.array(z.object({ type: z.string(), occurredAt: z.string() })),
});
type OrderAnswer = z.infer<typeof orderAnswer>;

interface Followed {
  order: SmokeOrder;
  producedAt: number;
  saga?: SagaAnswer | undefined;
  view?: OrderAnswer | undefined;
}

/**
 * Place the smoke orders on a target and follow each through the system: its saga's transitions
 * (one line per hop, with the time since its command was produced), the order in the query API,
 * nothing dead-lettered. True only when every order reached its outcome within the time limit; when
 * one did not, the mappings that have not read their topic are named with their lag.
 *
 * @param target - where to run
 * @param options - the time limit, where lines go
 */
export async function runSmoke(target: SmokeTarget, options: SmokeOptions): Promise<boolean> {
  const { log } = options;
  const runId = randomUUID();
  const started = new Date();
  const orders = smokeOrders(runId, target.customerLimit);
  log(
    `smoke ${runId.slice(0, 8)} on ${target.name}: ${orders.length} orders (${orders.map((order) => order.path).join(', ')}), ${options.timeoutMs / 1000} s to finish`,
  );

  // Units of its own SKU, one per order: nothing is taken from a real SKU.
  const inventory = inventoryStore(target.service);
  await inventory.receive(SMOKE_SKU, orders.length).catch((error: unknown) => {
    throw tableFailure(error, inventory.table);
  });

  const kafka = new Kafka({ ...target.kafka, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const step = {
    doing: 'produce to orders.commands',
    topic: 'orders.commands',
    clusterArn: target.clusterArn,
    brokers: target.kafka.brokers,
  };
  const followed: Followed[] = [];
  try {
    await producer.connect();
    for (const order of orders) {
      // One trace per order: every function's span and every record of its saga carry this trace id.
      const trace = newTrace();
      await producer.send({
        topic: 'orders.commands',
        acks: -1,
        messages: order.commands.map((command) => ({
          key: command.data.orderId,
          value: JSON.stringify(command),
          headers: {
            ...envelopeHeaders(command),
            [SMOKE_HEADER]: runId,
            [TRACEPARENT_HEADER]: formatTraceparent(trace),
          },
        })),
      });
      followed.push({ order, producedAt: Date.now() });
      log(`${order.orderId}  command produced, trace ${trace.traceId}`);
    }
  } catch (error) {
    throw kafkaFailure(error, step);
  } finally {
    await producer.disconnect().catch(() => undefined);
  }

  const deadline = Date.now() + options.timeoutMs;
  const pending = new Set(followed);
  while (pending.size > 0 && Date.now() < deadline) {
    for (const entry of pending) {
      entry.saga = await sagaOf(target, entry.order.orderId);
      if (entry.saga && isTerminal(entry.saga.state)) pending.delete(entry);
    }
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
  for (const entry of followed) entry.view = await orderViewOf(target, entry.order.orderId);

  let healthy = true;
  for (const entry of followed) {
    const hops = [
      ...(entry.view?.timeline ?? []).map((event) => ({
        at: Date.parse(event.occurredAt),
        line: `orders: ${event.type}`,
      })),
      ...(entry.saga?.timeline ?? []).map((transition) => ({
        at: Date.parse(transition.at),
        line: `saga: ${HOP_NAMES[transition.trigger.type] ?? transition.trigger.type} → ${transition.to}`,
      })),
    ].sort((a, b) => a.at - b.at);
    for (const hop of hops) log(`${entry.order.orderId}  ${hop.line}  +${hop.at - entry.producedAt} ms`);
    const { expected } = entry.order;
    const reached =
      entry.saga?.state === expected.state &&
      (expected.cause === undefined || entry.saga.cause === expected.cause) &&
      entry.view?.status === expected.orderStatus;
    healthy &&= reached;
    log(
      `${entry.order.orderId}  ${reached ? 'ok' : 'WRONG'}: saga ${entry.saga?.state ?? 'not started'}${entry.saga?.cause ? ` (${entry.saga.cause})` : ''}, order ${entry.view?.status ?? 'not found'}; expected saga ${expected.state}${expected.cause ? ` (${expected.cause})` : ''}, order ${expected.orderStatus}${entry.saga && !isTerminal(entry.saga.state) ? ` — still ${entry.saga.state}, waiting for ${entry.saga.pending.join(', ') || 'its next event'}` : ''}`,
    );
  }

  const letters = await ownDeadLetters(target, started, new Set(orders.map((order) => order.orderId)));
  for (const letter of letters)
    log(
      `dead letter ${letter.id} for ${letter.original?.key ?? '?'} by ${letter.functionName}: ${letter.errorClass}`,
    );
  log(`dead letters for these orders: ${letters.length}`);
  healthy &&= letters.length === 0;

  if (pending.size > 0) {
    log(
      `not finished within ${options.timeoutMs / 1000} s: ${[...pending].map((entry) => entry.order.orderId).join(', ')}`,
    );
    await explainStall(target, log);
  }
  log(
    `smoke ${healthy ? 'passed' : 'FAILED'}: ${followed.length} orders, ${Date.now() - started.getTime()} ms`,
  );
  return healthy;
}

/**
 * A query API answer, parsed; undefined while it does not know the order yet (404). A 403 names the
 * permission; any other failure names the function to look at.
 */
async function queried<TSchema extends z.ZodMiniType>(
  target: SmokeTarget,
  path: string,
  schema: TSchema,
  functionName: string,
): Promise<z.infer<TSchema> | undefined> {
  const answer = await target.get(path);
  if (answer.status === 404) return undefined;
  if (answer.status === 403) throw apiForbidden(path, target.apiUrl);
  if (answer.status !== 200)
    throw new SmokeError(`GET ${path} answered ${answer.status}`, `see the function ${functionName}'s logs`);
  return z.parse(schema, answer.body);
}

const sagaOf = (target: SmokeTarget, orderId: string) =>
  queried(target, `/sagas/${encodeURIComponent(orderId)}`, sagaAnswer, 'getSaga');

/** The order as the query API's read model has it. */
const orderViewOf = (target: SmokeTarget, orderId: string) =>
  queried(target, `/orders/${encodeURIComponent(orderId)}`, orderAnswer, 'getOrder');

/** Letters written since the run started whose source record is one of its orders' (keyed by order id). */
async function ownDeadLetters(
  target: SmokeTarget,
  since: Date,
  orderIds: ReadonlySet<string>,
): Promise<DeadLetter[]> {
  try {
    const letters = await readDeadLetters(target.kafka, { since });
    return letters.filter((letter) => orderIds.has(letter.original?.key ?? ''));
  } catch (error) {
    throw kafkaFailure(error, {
      doing: 'read the .dlq topics',
      clusterArn: target.clusterArn,
      brokers: target.kafka.brokers,
    });
  }
}

/** Which mappings have not read their topic: each with its lag, and on a stage its state. */
async function explainStall(target: SmokeTarget, log: (line: string) => void): Promise<void> {
  const watch = new MappingWatch(target.kafka);
  try {
    const [statuses, states] = await Promise.all([
      watch.statuses(target.mappings, [], Date.now()),
      target.mappingStates?.() ?? Promise.resolve(new Map<string, string>()),
    ]);
    const behind = statuses.filter(
      (status) => status.lag > 0 || (states.get(status.functionKey) ?? 'Enabled') !== 'Enabled',
    );
    for (const status of behind)
      log(
        `mapping ${status.functionKey} (${status.topic}, group ${status.consumerGroupId}): lag ${status.lag}${states.has(status.functionKey) ? `, state ${states.get(status.functionKey)}` : ''} — not enabled, or still catching up: enable it (serverless.yml \`enabled\`, or aws lambda update-event-source-mapping --enabled) and give it time to read`,
      );
    if (behind.length === 0)
      log(
        'every mapping has read its topic: the orders stopped inside a function (see its logs and npm run saga)',
      );
  } finally {
    await watch.close();
  }
}
