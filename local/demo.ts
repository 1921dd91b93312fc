import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Kafka, logLevel } from 'kafkajs';
import { paymentProvider } from '../functions/payments/handler.js';
import { envelopeHeaders } from '../lib/contracts/envelope.js';
import { cancelOrderV1, placeOrderV1 } from '../lib/contracts/orders.js';
import { deadLetterTopic, SOURCE_TOPICS } from '../lib/contracts/topics.js';
import { isTerminal, type Saga } from '../lib/domain/saga.js';
import { DEAD_LETTER_HEADERS } from '../lib/kafka/dead-letter.js';
import { envelopeFor } from '../lib/kafka/examples.js';
import { batchGetAll } from '../lib/store/dynamodb.js';
import { InventoryStore } from '../lib/store/inventory.js';
import { SimulatedPaymentProvider, simulatedProviderOptions } from '../lib/store/payments.js';
import { SagaStore } from '../lib/store/sagas.js';
import { readDeadLetters } from './dlq/dead-letters.js';
import { localDynamoDbClient } from './infra/dynamodb-local.js';
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
  log: (line: string) => void;
  orders?: number;
  timeoutMs?: number;
}

/** Saga states in which the demo's late customers cancel. */
const LATE_CANCEL_STATES: ReadonlySet<string> = new Set(['charging', 'confirming', 'completed']);

type Kind = 'regular' | 'scarce' | 'over-limit' | 'customer-cancel';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The mix: every 10th order over the payment limit, every 7th cancelled by its customer, every 8th for a scarce SKU. */
function kindOf(index: number): Kind {
  if (index % 10 === 3) return 'over-limit';
  if (index % 7 === 4) return 'customer-cancel';
  if (index % 8 === 5) return 'scarce';
  return 'regular';
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
  const tag = runId.slice(0, 8);
  const dlqWatcher = kafka.consumer({
    groupId: `demo-dlq-${runId}`,
    sessionTimeout: 6000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 100,
  });
  const count = options.orders ?? DEMO_ORDERS;
  try {
    // Stock: plenty of the regular SKUs, the scarce one for half of the orders that want it.
    const regular = ['espresso', 'grinder', 'filter', 'kettle', 'scale'].map((name) => `sku-${tag}-${name}`);
    const scarce = `sku-${tag}-limited`;
    const kinds = Array.from({ length: count }, (_, index) => kindOf(index));
    const scarceStock = Math.floor(kinds.filter((kind) => kind === 'scarce').length / 2);
    await Promise.all([
      ...regular.map((sku) => inventory.receive(sku, 10 * count)),
      inventory.receive(scarce, scarceStock),
    ]);

    const meta = () => ({ id: randomUUID(), correlationId: runId, occurredAt: new Date().toISOString() });
    const places = kinds.map((kind, index) => {
      const orderId = `order-${tag}-${String(index + 1).padStart(3, '0')}`;
      const line = (sku: string, quantity: number, unitPrice: number) => ({ sku, quantity, unitPrice });
      const items =
        kind === 'scarce'
          ? [line(scarce, 1, 4999)]
          : kind === 'over-limit'
            ? [line(regular[index % regular.length] as string, 1, 150_000)]
            : [
                line(regular[index % regular.length] as string, 1 + (index % 3), 1250),
                line(regular[(index + 2) % regular.length] as string, 1, 899),
              ];
      return envelopeFor(
        placeOrderV1,
        { orderId, customerId: `customer-${index % 20}`, currency: 'EUR', items },
        meta(),
      );
    });
    const cancels = places
      .filter((_, index) => kinds[index] === 'customer-cancel')
      .map((place) =>
        envelopeFor(cancelOrderV1, { orderId: place.data.orderId, reason: 'changed my mind' }, meta()),
      );
    const poison = `{"type":"PlaceOrder","correlationId":"${runId}","note":"not an envelope"}`;
    const asMessage = (command: { data: { orderId: string } } & Parameters<typeof envelopeHeaders>[0]) => ({
      key: command.data.orderId,
      value: JSON.stringify(command),
      headers: envelopeHeaders(command),
    });

    const deadLetters = new Map<string, string>();
    await dlqWatcher.connect();
    await dlqWatcher.subscribe({ topics: SOURCE_TOPICS.map(deadLetterTopic), fromBeginning: true });
    await dlqWatcher.run({
      eachMessage: async ({ topic, message }) => {
        const key = message.key?.toString() ?? '';
        if (!key.includes(tag)) return;
        const header = (name: string) => message.headers?.[name]?.toString();
        const reason = `${header(DEAD_LETTER_HEADERS.errorClass) ?? 'on-failure destination'}: ${header(DEAD_LETTER_HEADERS.errorMessage) ?? '(Lambda records no reason)'}`;
        deadLetters.set(key, reason);
        options.log(`demo: ${topic} ← ${key}: ${reason}`);
      },
    });

    await producer.connect();
    await producer.send({
      topic: 'orders.commands',
      acks: -1,
      messages: [
        ...places.map(asMessage),
        asMessage(places[0] as (typeof places)[number]),
        { key: `poison-${tag}`, value: poison },
      ],
    });
    // Customers change their minds: half of them at once (the saga is still reserving), the other half
    // once their saga is charging or later — a refund, or a cancel refused because the order is confirmed.
    const half = Math.ceil(cancels.length / 2);
    const late = cancels.slice(half);
    const lateSent = new Map<string, string>();
    await sleep(300);
    await producer.send({
      topic: 'orders.commands',
      acks: -1,
      messages: cancels.slice(0, half).map(asMessage),
    });
    options.log(
      `demo: ${places.length} PlaceOrder (the first twice, ${kinds.filter((k) => k === 'scarce').length} for ${scarceStock} scarce units, ${kinds.filter((k) => k === 'over-limit').length} over the payment limit), ${cancels.length} customer cancels, 1 poison message; provider failure rate ${options.environment.PAYMENT_PROVIDER_FAILURE_RATE ?? 0}`,
    );

    // Wait for every saga to finish (or its message to be dead-lettered).
    const orderIds = places.map((place) => place.data.orderId);
    const deadline = Date.now() + (options.timeoutMs ?? 180_000);
    let finished = new Map<string, Saga>();
    let shown = 0;
    while (Date.now() < deadline) {
      finished = await sagas.getMany(orderIds);
      // Every other late customer waits until the saga has ended (confirmed: that cancel must be refused).
      const due = late.filter((command, index) => {
        const state = finished.get(command.data.orderId)?.state;
        const wanted =
          state !== undefined && (isTerminal(state) || (index % 2 === 0 && LATE_CANCEL_STATES.has(state)));
        return !lateSent.has(command.data.orderId) && wanted;
      });
      if (due.length > 0) {
        await producer.send({ topic: 'orders.commands', acks: -1, messages: due.map(asMessage) });
        for (const command of due)
          lateSent.set(command.data.orderId, finished.get(command.data.orderId)?.state ?? '');
        continue;
      }
      const done = orderIds.filter((id) => {
        const saga = finished.get(id);
        return (saga && isTerminal(saga.state)) || deadLetters.has(id);
      }).length;
      if (done === orderIds.length && lateSent.size === late.length) break;
      if (Date.now() - shown > 5_000) {
        options.log(`demo: ${done}/${orderIds.length} sagas finished`);
        shown = Date.now();
      }
      await sleep(500);
    }
    const sentIn: Record<string, number> = {};
    for (const state of lateSent.values()) sentIn[state] = (sentIn[state] ?? 0) + 1;
    options.log(
      `demo: late customer cancels sent while the saga was ${Object.entries(sentIn)
        .map(([state, n]) => `${state} ×${n}`)
        .join(', ')}`,
    );
    // Let late duplicates land before counting, so that a doubled effect would show.
    await sleep(1_500);
    finished = await sagas.getMany(orderIds);
    // The live watcher reads while records are appended (torn reads, see FetchVerifier): the count comes
    // from one quiet read of every dead-letter topic.
    for (const letter of await readDeadLetters(options.brokers)) {
      const key = letter.original?.key ?? '';
      if (key.includes(tag)) deadLetters.set(key, `${letter.errorClass}: ${letter.errorMessage}`);
    }

    const outcomes: Record<string, number> = {};
    const example = new Map<string, string>();
    for (const id of orderIds) {
      const saga = finished.get(id);
      const label = !saga
        ? 'no-saga'
        : !isTerminal(saga.state)
          ? 'unfinished'
          : saga.state === 'cancelled'
            ? `cancelled:${saga.cause ?? 'unknown'}`
            : saga.state;
      outcomes[label] = (outcomes[label] ?? 0) + 1;
      if (!example.has(label)) example.set(label, id);
    }
    for (const id of example.values()) {
      const saga = finished.get(id);
      if (saga) options.log(`demo: ${formatSaga(saga, await sagas.timeline(id))}`);
    }
    options.log(`demo: inspect any saga with GET ${options.apiUrl}/sagas/<orderId>, e.g. ${orderIds[0]}`);

    const invariants = await checkSagaInvariants({
      orderIds,
      sagas: finished,
      deadLettered: new Set(deadLetters.keys()),
      inventory,
      skus: [...regular, scarce],
      ledger,
      eventTypes: async (id) => {
        const response = await fetch(`${options.apiUrl}/orders/${id}/events`);
        return response.ok
          ? ((await response.json()) as { events: Array<{ type: string }> }).events.map((event) => event.type)
          : [];
      },
    });

    // Each order's view agrees with its saga (CQRS read side caught up), and the order sent twice has one OrderPlaced.
    const viewed = await countAgreeingViews(options.apiUrl, orderIds, finished);
    const twice = await fetch(`${options.apiUrl}/orders/${orderIds[0]}/events`);
    const placedTwice = twice.ok
      ? ((await twice.json()) as { events: Array<{ type: string }> }).events.filter(
          (event) => event.type === 'OrderPlaced',
        ).length
      : 0;
    const clientCommandIds = [...places, ...cancels].map((command) => command.id);
    const audited = await countAudited(documents, env('AUDIT_TABLE'), clientCommandIds);
    const poisoned = deadLetters.has(`poison-${tag}`) ? 1 : 0;
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
      deadLettered: deadLetters.size,
      invariants,
      doubled: Math.max(0, placedTwice - 1),
      lost:
        invariants.unfinished +
        (orderIds.length - viewed) +
        (clientCommandIds.length - audited) +
        (1 - poisoned),
    };
  } finally {
    await dlqWatcher.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    documents.destroy();
  }
}

/** How many of these client commands the audit table holds (its key is the message id). */
async function countAudited(
  documents: DynamoDBDocumentClient,
  table: string,
  messageIds: readonly string[],
): Promise<number> {
  const keys = [...new Set(messageIds)].map((messageId) => ({ messageId }));
  return (await batchGetAll(documents, table, keys, { projection: 'messageId' })).length;
}

/** The payment function runs in this process: its simulated provider counts what it injected. */
function providerFailures(): number {
  const provider = paymentProvider();
  return provider instanceof SimulatedPaymentProvider ? provider.injectedFailures : 0;
}

const VIEW_STATUS: Record<string, string> = { completed: 'confirmed', cancelled: 'cancelled' };

/** Orders whose view says what their saga ended with (polled: the projector is eventually consistent). */
async function countAgreeingViews(
  apiUrl: string,
  orderIds: readonly string[],
  sagas: ReadonlyMap<string, Saga>,
): Promise<number> {
  const deadline = Date.now() + 30_000;
  let pending = [...orderIds];
  while (pending.length > 0 && Date.now() < deadline) {
    const checks = await Promise.all(
      pending.map(async (id) => {
        const response = await fetch(`${apiUrl}/orders/${id}`);
        const status = response.ok ? ((await response.json()) as { status: string }).status : undefined;
        const expected = VIEW_STATUS[sagas.get(id)?.state ?? ''];
        return expected !== undefined && status === expected ? undefined : id;
      }),
    );
    pending = checks.filter((id): id is string => id !== undefined);
    if (pending.length > 0) await sleep(300);
  }
  return orderIds.length - pending.length;
}
