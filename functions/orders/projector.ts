import {
  type ConsumerExpectation,
  type ConsumerOptions,
  consumer,
  type Decision,
  type MessageHandler,
  type MessageOf,
  PermanentError,
  type ServiceContext,
  STREAM_VERSION_HEADER,
  TABLE_ACCESS,
  TransientError,
  UNKNOWN_MESSAGE_POLICIES,
} from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { keyedByOrderId } from '../../lib/contracts/by-order.js';
import { contracts } from '../../lib/contracts/index.js';
import { ORDER_EVENTS } from '../../lib/contracts/order-events.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { upcastOrderEvent } from '../../lib/domain/upcast.js';
import { projectOrderView } from '../../lib/store/order-views.js';
import { orderViews } from './stores.js';

/** An event arrived before one it follows: retried in place and by the mapping. */
export class ProjectionGapError extends TransientError {
  override name = 'ProjectionGapError';
}

/** The gap outlived PROJECTION_GAP_TIMEOUT_SECONDS: dead-lettered with its reason instead of retried. */
export class ProjectionGapExpiredError extends PermanentError {
  override name = 'ProjectionGapExpiredError';
}

/** How long a gap may wait for the missing events (redelivery, retries) before it is dead-lettered. */
const gapTimeoutMs = (service: ServiceContext) =>
  Number(service.environment.PROJECTION_GAP_TIMEOUT_SECONDS ?? 300) * 1000;

/**
 * CQRS read side: applies an order event to the views only when it is the next version of its stream.
 * A duplicate or older version changes nothing; a gap is transient.
 */
export const projectOrderEvent: MessageHandler<MessageOf<typeof ORDER_EVENTS>> = async (
  message,
  { record, service },
): Promise<Decision> => {
  const version = Number(record.headers[STREAM_VERSION_HEADER]);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new PermanentError(`${message.type} ${message.id} has no valid ${STREAM_VERSION_HEADER} header`);
  }
  const event = upcastOrderEvent(message);
  const { orderId } = event.data;
  const store = orderViews(service);
  const generation = await store.activeGeneration();
  const current = await store.get(orderId, generation);
  const applied = current?.version ?? 0;
  if (version <= applied) return {};
  if (version > applied + 1) {
    const reason = `order ${orderId}: view is at version ${applied}, event ${message.id} is version ${version}`;
    if (service.now() - record.timestamp > gapTimeoutMs(service)) {
      throw new ProjectionGapExpiredError(
        `${reason}; the missing events did not arrive within ${gapTimeoutMs(service) / 1000} s`,
      );
    }
    throw new ProjectionGapError(reason);
  }
  return {
    writes: store.applyItems(
      generation,
      projectOrderView(current, orderId, event, version, message.occurredAt),
      applied,
    ),
  };
};

/** The read side's pipeline options (the tests drive the same ones). */
export const orderProjectorConsumer = {
  registry: contracts,
  publishes: [],
  name: 'orderProjector',
  accepts: ORDER_EVENTS,
  // Events are facts others may add to the topic: one the views do not show is no error.
  onUnknown: UNKNOWN_MESSAGE_POLICIES.ignore,
  tables: { [TABLE_VARIABLES.orderViews]: TABLE_ACCESS.write },
  handle: projectOrderEvent,
} as const satisfies ConsumerOptions<typeof ORDER_EVENTS>;

export const handler = consumer(orderProjectorConsumer);

/** What the projector reads from the events, and the key and header its version ordering needs. */
export const expectations: ConsumerExpectation[] = [
  {
    consumer: 'orderProjector',
    topic: 'orders.events',
    messages: {
      OrderPlaced: z.object({
        orderId: z.string(),
        customerId: z.string(),
        currency: z.string(),
        items: z.array(z.object({ sku: z.string(), quantity: z.int(), unitPrice: z.int() })),
        total: z.int(),
      }),
      OrderConfirmed: z.object({ orderId: z.string() }),
      OrderCancelled: z.object({ orderId: z.string(), reason: z.string() }),
      OrderRejected: z.object({ orderId: z.string(), reason: z.string() }),
    },
    key: keyedByOrderId,
    headers: { [STREAM_VERSION_HEADER]: z.string().check(z.regex(/^[1-9]\d*$/)) },
  },
];
