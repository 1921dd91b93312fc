import { Logger } from '@aws-lambda-powertools/logger';
import {
  type ConsumerExpectation,
  type ConsumerOptions,
  consumer,
  type Decision,
  formatTraceparent,
  type MessageHandler,
  type MessageOf,
  type ProducerDeclaration,
  publishedTopics,
  TABLE_ACCESS,
  UNKNOWN_MESSAGE_POLICIES,
} from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { keyedByOrderId } from '../../lib/contracts/by-order.js';
import { contracts } from '../../lib/contracts/index.js';
import { INVENTORY_EVENTS } from '../../lib/contracts/inventory.js';
import { ORDER_EVENTS } from '../../lib/contracts/order-events.js';
import { PAYMENT_EVENTS } from '../../lib/contracts/payments.js';
import { SAGA_DEADLINES } from '../../lib/contracts/sagas.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { type Saga, type SagaStep, type SagaTrigger, transition } from '../../lib/domain/saga.js';
import { upcastOrderEvent } from '../../lib/domain/upcast.js';
import { SAGA_METRICS, sagaMetrics } from './metrics.js';
import { sagaStore, stepTimeoutMs } from './store.js';

const logger = new Logger({ serviceName: 'orderSaga' });

/** Every event the saga reacts to, and its own due deadlines (published by sagaDeadlines). */
export const SAGA_EVENTS = [
  ...ORDER_EVENTS,
  ...INVENTORY_EVENTS,
  ...PAYMENT_EVENTS,
  ...SAGA_DEADLINES,
] as const;
type SagaEvent = MessageOf<typeof SAGA_EVENTS>;

/** The saga's view of an event: OrderPlaced in its current version, anything else as it came. */
function triggerOf(event: SagaEvent): SagaTrigger {
  return event.type === 'OrderPlaced' ? upcastOrderEvent(event) : event;
}

/** A deadline of a saga version that is no longer the saga's: it moved on since the sweep saw it. */
function staleDeadline(event: SagaEvent, saga: Saga | undefined): string | undefined {
  if (event.type !== 'DeadlineExpired' || saga?.version === event.data.sagaVersion) return undefined;
  return `deadline of saga version ${event.data.sagaVersion}; the saga is at ${saga?.version ?? 'none'}`;
}

/**
 * The orchestrator: load the order's saga, apply the event to the state machine, and commit the new
 * state (conditioned on the state and version it was decided on), its timeline entry, the idempotency
 * marker and the commands to send — one transaction; the commands go out through the outbox. Two
 * events of one saga racing from different topics: the loser's condition fails and the core decides it
 * again on the winner's state.
 */
export const driveSaga: MessageHandler<SagaEvent> = async (message, { service, span }): Promise<Decision> => {
  const trigger = triggerOf(message);
  const store = sagaStore(service);
  const saga = await store.get(trigger.data.orderId);
  const stale = staleDeadline(message, saga);
  // A DeadlineExpired certifies that its deadline passed when the sweep saw it: decide it as of then at
  // the earliest, whatever this function's clock says (clocks of two functions may differ).
  const now =
    message.type === 'DeadlineExpired' ? Math.max(service.now(), message.data.deadlineAt) : service.now();
  const step: SagaStep = stale
    ? { kind: 'ignored', reason: stale }
    : transition(saga, trigger, { now, stepTimeoutMs: stepTimeoutMs(service) });
  if (step.kind === 'moved' && step.from === 'none') step.saga.correlationId = message.correlationId;
  // The span moving the saga, which a deadline it sets continues (functions/saga/deadlines.ts).
  if (step.kind === 'moved') step.saga.traceparent = formatTraceparent(span());
  if (step.kind === 'ignored') {
    logger.info('event leaves the saga as it is', {
      orderId: trigger.data.orderId,
      state: saga?.state,
      messageId: message.id,
      type: message.type,
      reason: step.reason,
    });
    return {};
  }
  logger.info('saga moved', {
    orderId: trigger.data.orderId,
    from: step.from,
    to: step.saga.state,
    version: step.saga.version,
    messageId: message.id,
    type: message.type,
    sent: step.commands.map((command) => command.type),
  });
  return {
    writes: store.transitionItems(saga, step, { type: message.type, messageId: message.id }),
    messages: step.commands.map((command) => ({ ...command, key: command.data.orderId })),
    metrics: sagaMetrics(step, now),
  };
};

/** The consumer's name: the `service` of its metrics and spans. */
const orderSagaName = 'orderSaga';

/** What it sends: commands to the participants and to the order, keyed by order id. */
export const produces: ProducerDeclaration[] = [
  {
    producer: 'orderSaga',
    topic: 'inventory.commands',
    types: ['ReserveStock', 'ReleaseStock', 'CommitStock'],
    key: keyedByOrderId,
  },
  {
    producer: 'orderSaga',
    topic: 'payments.commands',
    types: ['ChargePayment', 'RefundPayment'],
    key: keyedByOrderId,
  },
  {
    producer: 'orderSaga',
    topic: 'orders.commands',
    types: ['ConfirmOrder', 'CancelOrder'],
    key: keyedByOrderId,
  },
];

/** The orchestrator's pipeline options (the tests drive the same ones). */
export const orderSagaConsumer = {
  registry: contracts,
  publishes: publishedTopics(produces),
  name: orderSagaName,
  accepts: SAGA_EVENTS,
  // A new event type on one of its topics is not the saga's business until its state machine knows it.
  onUnknown: UNKNOWN_MESSAGE_POLICIES.ignore,
  tables: { [TABLE_VARIABLES.sagas]: TABLE_ACCESS.write },
  metrics: Object.values(SAGA_METRICS),
  handle: driveSaga,
} as const satisfies ConsumerOptions<typeof SAGA_EVENTS>;

export const handler = consumer(orderSagaConsumer);

const orderId = z.object({ orderId: z.string() });

/** What the saga reads on each topic: the order id (its key) and the fields its decisions use. */
export const expectations: ConsumerExpectation[] = [
  {
    consumer: 'orderSaga',
    topic: 'orders.events',
    messages: {
      OrderPlaced: z.extend(orderId, {
        customerId: z.string(),
        currency: z.string(),
        items: z
          .array(z.object({ sku: z.string(), quantity: z.int(), unitPrice: z.int() }))
          .check(z.minLength(1)),
        total: z.int(),
      }),
      OrderConfirmed: orderId,
      OrderCancelled: z.extend(orderId, { reason: z.string() }),
      OrderRejected: z.extend(orderId, { command: z.string(), reason: z.string() }),
    },
    key: keyedByOrderId,
  },
  {
    consumer: 'orderSaga',
    topic: 'inventory.events',
    messages: {
      StockReserved: orderId,
      StockRejected: z.extend(orderId, { reason: z.string() }),
      StockReleased: orderId,
      StockCommitted: orderId,
    },
    key: keyedByOrderId,
  },
  {
    consumer: 'orderSaga',
    topic: 'payments.events',
    messages: {
      PaymentCompleted: z.extend(orderId, { paymentId: z.string(), amount: z.int() }),
      PaymentDeclined: z.extend(orderId, { reason: z.string() }),
      PaymentRefunded: z.extend(orderId, { amount: z.int() }),
    },
    key: keyedByOrderId,
  },
  {
    consumer: 'orderSaga',
    topic: 'sagas.deadlines',
    messages: { DeadlineExpired: z.extend(orderId, { sagaVersion: z.int(), deadlineAt: z.int() }) },
    key: keyedByOrderId,
  },
];
