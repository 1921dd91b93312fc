import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClient } from '@msk-patterns/emulator';
import {
  type Envelope,
  envelopeHeaders,
  formatTraceparent,
  newTrace,
  TRACEPARENT_HEADER,
} from '@msk-patterns/pipeline';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { isTerminal, type Saga } from '../lib/domain/saga.js';
import { InventoryStore } from '../lib/store/inventory.js';
import { SimulatedPaymentProvider, simulatedProviderOptions } from '../lib/store/payments.js';
import { SagaStore } from '../lib/store/sagas.js';
import { awaitCaughtUp, type GroupOnTopic } from './demo/caught-up.js';
import { watchDeadLetters } from './demo/dead-letters.js';
import { demoCommands } from './demo/orders.js';
import {
  countAgreeingViews,
  countAudited,
  orderEventTypes,
  outcomeOf,
  providerFailures,
} from './demo/report.js';
import { pollUntil } from './poll.js';
import { checkSagaInvariants, type SagaInvariants } from './saga-invariants.js';
import { formatSaga } from './saga-report.js';

/** Orders the demo places by default: enough for every outcome to happen many times over. */
export const DEMO_ORDERS = 200;

export interface DemoResult {
  produced: number;
  orders: number;
  /** saga outcomes: completed, cancelled (by cause), failed, unfinished */
  outcomes: Record<string, number>;
  /** transient payment provider errors injected (and retried by the core) */
  providerErrors: number;
  /** client commands (PlaceOrder, CancelOrder) written once each to the audit table */
  audited: number;
  /** orders whose view (query API) agrees with their saga's outcome */
  viewed: number;
  deadLettered: number;
  invariants: SagaInvariants;
  doubled: number;
  lost: number;
}

interface DemoOptions {
  brokers: string[];
  dynamodbEndpoint: string;
  /** the functions' environment (table names, provider settings) */
  environment: Record<string, string | undefined>;
  apiUrl: string;
  /** the event source mappings, waited on until they have caught up before the invariants are checked */
  consumers: readonly GroupOnTopic[];
  log: (line: string) => void;
  orders?: number;
  timeoutMs?: number;
}

/** How long the mappings may take to process what the finished sagas sent last. */
const CAUGHT_UP_MS = 60_000;

/** Saga states in which the demo's late customers cancel. */
const LATE_CANCEL_STATES: ReadonlySet<string> = new Set(['charging', 'confirming', 'completed']);

/**
 * A client's command, starting a trace of its own: an order's saga follows its PlaceOrder's trace; a
 * customer's cancel, a request of its own, starts another (docs/deployment.md, "Traces").
 */
export const asMessage = (command: Envelope<{ orderId: string }>) => ({
  key: command.data.orderId,
  value: JSON.stringify(command),
  headers: { ...envelopeHeaders(command), [TRACEPARENT_HEADER]: formatTraceparent(newTrace()) },
});

/** Send commands; false (logged) when the broker refused them, as a restarting broker does. */
function trySend(
  producer: Producer,
  commands: readonly Envelope<{ orderId: string }>[],
  log: (line: string) => void,
): Promise<boolean> {
  return producer
    .send({ topic: 'orders.commands', acks: -1, messages: commands.map(asMessage) })
    .then(() => true)
    .catch((error: unknown) => {
      log(`demo: ${commands.length} commands not sent yet (${String(error)}); again in a moment`);
      return false;
    });
}

/**
 * Wait until every saga is terminal or its message dead-lettered, sending each late customer's cancel
 * once its saga is far enough: every other one while it charges or later, the rest once it ended (a
 * confirmed order must refuse it). Returns the sagas and the state each late cancel was sent in.
 */
async function awaitSagas(
  sagas: SagaStore,
  producer: Producer,
  orderIds: readonly string[],
  late: readonly Envelope<{ orderId: string }>[],
  deadLettered: ReadonlyMap<string, string>,
  options: DemoOptions,
): Promise<{ finished: Map<string, Saga>; lateSent: Map<string, string> }> {
  const lateSent = new Map<string, string>();
  let finished = new Map<string, Saga>();
  let shown = 0;
  await pollUntil(
    async () => {
      finished = await sagas.getMany(orderIds);
      const due = late.filter((command, index) => {
        const state = finished.get(command.data.orderId)?.state;
        const wanted =
          state !== undefined && (isTerminal(state) || (index % 2 === 0 && LATE_CANCEL_STATES.has(state)));
        return !lateSent.has(command.data.orderId) && wanted;
      });
      // A broker that is restarting (the chaos run kills it) refuses the send: try again next time.
      const sent = due.length > 0 && (await trySend(producer, due, options.log));
      if (sent)
        for (const command of due)
          lateSent.set(command.data.orderId, finished.get(command.data.orderId)?.state ?? '');
      const done = orderIds.filter((id) => {
        const saga = finished.get(id);
        return (saga && isTerminal(saga.state)) || deadLettered.has(id);
      }).length;
      if (Date.now() - shown > 5_000) {
        options.log(`demo: ${done}/${orderIds.length} sagas finished`);
        shown = Date.now();
      }
      return done === orderIds.length && lateSent.size === late.length;
    },
    { timeoutMs: options.timeoutMs ?? 180_000, intervalMs: 500 },
  );
  return { finished, lateSent };
}

/**
 * The saga demo: a few hundred orders with a mix of outcomes — in stock, out of stock, declined,
 * transient provider errors (PAYMENT_PROVIDER_FAILURE_RATE), customer cancels in flight — plus one
 * order sent twice and one poison message. Waits until every saga has finished, then checks the
 * invariants and prints one saga per outcome with its timeline.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const env = (name: string) => {
    const value = options.environment[name];
    if (!value) throw new Error(`the demo needs ${name} in the functions' environment`);
    return value;
  };
  const kafka = new Kafka({ brokers: options.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ maxInFlightRequests: 1 });
  const documents = DynamoDBDocumentClient.from(localDynamoDbClient(options.dynamodbEndpoint));
  const sagas = new SagaStore(documents, env('SAGAS_TABLE'));
  const inventory = new InventoryStore(documents, env('INVENTORY_TABLE'));
  const ledger = new SimulatedPaymentProvider(documents, env('PAYMENTS_TABLE'), simulatedProviderOptions({}));
  const runId = randomUUID();
  const commands = demoCommands(options.orders ?? DEMO_ORDERS, runId);
  const { places, cancels, tag } = commands;
  const deadLetters = await watchDeadLetters(kafka, runId, tag, options.log);
  try {
    await Promise.all(commands.stock.map(({ sku, units }) => inventory.receive(sku, units)));
    await producer.connect();
    const placed = places.map(asMessage);
    await producer.send({
      topic: 'orders.commands',
      acks: -1,
      // The first order twice, headers and all, as a producer's retry sends it.
      messages: [...placed, ...placed.slice(0, 1), commands.poison],
    });
    // Customers change their minds: half of them as soon as their saga has started (it is reserving),
    // the other half once it is charging or later — a refund, or a cancel the confirmed order refuses.
    const half = Math.ceil(cancels.length / 2);
    const early = cancels.slice(0, half);
    await pollUntil(
      async () => (await sagas.getMany(early.map((command) => command.data.orderId))).size === early.length,
      {
        timeoutMs: 60_000,
      },
    );
    await pollUntil(() => trySend(producer, early, options.log), { timeoutMs: 60_000, intervalMs: 1_000 });
    options.log(
      `demo: ${commands.summary}; provider failure rate ${options.environment.PAYMENT_PROVIDER_FAILURE_RATE ?? 0}`,
    );

    const orderIds = places.map((place) => place.data.orderId);
    const { lateSent } = await awaitSagas(
      sagas,
      producer,
      orderIds,
      cancels.slice(half),
      deadLetters.letters,
      options,
    );
    const sentIn: Record<string, number> = {};
    for (const state of lateSent.values()) sentIn[state] = (sentIn[state] ?? 0) + 1;
    options.log(
      `demo: late customer cancels sent while the saga was ${Object.entries(sentIn)
        .map(([state, n]) => `${state} ×${n}`)
        .join(', ')}`,
    );
    // A terminal saga may still have a command on its way (CommitStock after OrderConfirmed): the
    // participants' effects are complete once every mapping has processed everything.
    const caughtUp = await awaitCaughtUp(kafka, options.consumers, CAUGHT_UP_MS);
    options.log(
      caughtUp.behind.size === 0
        ? `demo: every mapping caught up in ${caughtUp.ms} ms (${caughtUp.behindAtFirst} records in flight when the last saga finished)`
        : `demo: mappings still behind after ${CAUGHT_UP_MS / 1000} s: ${[...caughtUp.behind].map(([at, records]) => `${at} ${records}`).join(', ')}`,
    );
    // Every client command has reached the audit (the late cancels last): now what happened is complete.
    const clientCommandIds = [...places, ...cancels].map((command) => command.id);
    const audited = await countAudited(documents, env('AUDIT_TABLE'), clientCommandIds);
    const settled = await sagas.getMany(orderIds);
    await deadLetters.settle(options.brokers);
    const outcomes: Record<string, number> = {};
    const example = new Map<string, string>();
    for (const id of orderIds) {
      const label = outcomeOf(settled.get(id));
      outcomes[label] = (outcomes[label] ?? 0) + 1;
      if (!example.has(label)) example.set(label, id);
    }
    for (const id of example.values()) {
      const saga = settled.get(id);
      if (saga) options.log(`demo: ${formatSaga(saga, await sagas.timeline(id))}`);
    }
    options.log(`demo: inspect any saga with GET ${options.apiUrl}/sagas/<orderId>, e.g. ${orderIds[0]}`);

    const invariants = await checkSagaInvariants({
      orderIds,
      sagas: settled,
      deadLettered: new Set(deadLetters.letters.keys()),
      inventory,
      skus: commands.skus,
      ledger,
      eventTypes: (id) => orderEventTypes(options.apiUrl, id),
    });
    // Each order's view agrees with its saga (CQRS read side caught up), and the order sent twice has one OrderPlaced.
    const viewed = await countAgreeingViews(options.apiUrl, orderIds, settled);
    const placedTwice = (await orderEventTypes(options.apiUrl, orderIds[0] ?? '')).filter(
      (type) => type === 'OrderPlaced',
    ).length;
    const poisoned = deadLetters.letters.has(commands.poison.key) ? 1 : 0;
    for (const problem of invariants.stockProblems) options.log(`demo: stock not conserved: ${problem}`);
    options.log(
      `demo: invariants — unfinished ${invariants.unfinished}, stock conserved ${invariants.stockConserved}, money balanced ${invariants.moneyBalanced}, confirmed and cancelled ${invariants.confirmedAndCancelled}; ${viewed}/${orderIds.length} views agree; audit holds ${audited}/${clientCommandIds.length} client commands`,
    );
    return {
      produced: places.length + cancels.length + 2,
      orders: orderIds.length,
      outcomes,
      providerErrors: providerFailures(),
      audited,
      viewed,
      deadLettered: deadLetters.letters.size,
      invariants,
      doubled: Math.max(0, placedTwice - 1),
      lost:
        invariants.unfinished +
        (orderIds.length - viewed) +
        (clientCommandIds.length - audited) +
        (1 - poisoned),
    };
  } finally {
    await deadLetters.stop();
    await producer.disconnect().catch(() => {});
    documents.destroy();
  }
}
