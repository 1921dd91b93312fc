import { z } from 'zod';
import { stableId } from '../../lib/common/ids.js';
import {
  type ConsumerExpectation,
  keyedByOrderId,
  type ProducerDeclaration,
} from '../../lib/contracts/consumer-driven.js';
import { STREAM_VERSION_HEADER } from '../../lib/contracts/envelope.js';
import { ORDER_COMMANDS } from '../../lib/contracts/orders.js';
import type { MessageOf } from '../../lib/contracts/registry.js';
import { TABLE_ACCESS } from '../../lib/deploy/access.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { decide, evolve, type OrderState } from '../../lib/domain/order.js';
import { type ConsumerOptions, consumer } from '../../lib/pipeline/consumer.js';
import type { Decision, MessageHandler } from '../../lib/pipeline/types.js';
import { loadOrder, orderStreamId } from '../../lib/store/orders.js';
import { orderEventStore } from './stores.js';

/**
 * Event-sourced write side: load the order's stream, decide, append. The appended events and the
 * messages that publish them commit with the idempotency marker in one transaction; a concurrent
 * append fails its version condition and the pipeline decides again on fresh state.
 */
export const decideOrderCommand: MessageHandler<MessageOf<typeof ORDER_COMMANDS>> = async (
  command,
): Promise<Decision> => {
  const { orderId } = command.data;
  const events = orderEventStore();
  const { state, version } = await loadOrder(events, orderId);
  const decided = decide(command, state);
  const occurredAt = new Date().toISOString();
  const statesAfter: OrderState[] = [];
  decided.reduce((current, event) => {
    const next = evolve(current, event);
    statesAfter.push(next);
    return next;
  }, state);
  const writes = events.appendItems(
    orderStreamId(orderId),
    version,
    decided.map((event, index) => ({
      // The same id as the envelope the outbox publishes it in (toOutgoingRecords), so consumers of
      // the topic and readers of the store see one identity.
      eventId: stableId(`${command.id}:${index}`),
      type: event.type,
      schemaVersion: event.version,
      data: event.data,
      occurredAt,
      correlationId: command.correlationId,
      causationId: command.id,
    })),
    (atVersion) => statesAfter[atVersion - version - 1] as OrderState,
  );
  return {
    writes,
    messages: decided.map((event, index) => ({
      topic: 'orders.events',
      key: orderId,
      type: event.type,
      version: event.version,
      data: event.data,
      headers: { [STREAM_VERSION_HEADER]: String(version + index + 1) },
      occurredAt,
    })),
  };
};

/** The write side's pipeline options (the tests drive the same ones). */
export const orderCommandsConsumer = {
  name: 'orderCommands',
  topics: ['orders.commands'],
  accepts: ORDER_COMMANDS,
  tables: { [TABLE_VARIABLES.eventStore]: TABLE_ACCESS.write },
  handle: decideOrderCommand,
} as const satisfies ConsumerOptions<typeof ORDER_COMMANDS>;

export const handler = consumer(orderCommandsConsumer);

/** What the write side reads from the commands (and needs: one key per order, for per-order order). */
export const expectations: ConsumerExpectation[] = [
  {
    consumer: 'orderCommands',
    topic: 'orders.commands',
    messages: {
      PlaceOrder: z.object({
        orderId: z.string(),
        customerId: z.string(),
        currency: z.string(),
        items: z.array(z.object({ sku: z.string(), quantity: z.int(), unitPrice: z.int() })).min(1),
      }),
      CancelOrder: z.object({ orderId: z.string(), reason: z.string() }),
      ConfirmOrder: z.object({ orderId: z.string() }),
    },
    key: keyedByOrderId,
  },
];

/** What it writes: every order event, keyed by order id, with its version in the stream. */
export const produces: ProducerDeclaration[] = [
  {
    producer: 'orderCommands',
    topic: 'orders.events',
    types: ['OrderPlaced', 'OrderConfirmed', 'OrderCancelled', 'OrderRejected'],
    key: keyedByOrderId,
    headers: (_data, position) => ({ [STREAM_VERSION_HEADER]: String(position) }),
  },
];
