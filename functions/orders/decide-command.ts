import { stableId } from '../../lib/common/ids.js';
import { STREAM_VERSION_HEADER } from '../../lib/contracts/envelope.js';
import type { ORDER_COMMANDS } from '../../lib/contracts/orders.js';
import type { MessageOf } from '../../lib/contracts/registry.js';
import { decide, evolve, type OrderState } from '../../lib/domain/order.js';
import type { Decision } from '../../lib/pipeline/types.js';
import { loadOrder, orderStreamId } from '../../lib/store/orders.js';
import { orderEventStore } from './stores.js';

/**
 * Event-sourced write side: load the order's stream, decide, append. The appended events and the
 * messages that publish them commit with the idempotency marker in one transaction; a concurrent
 * append fails its version condition and the pipeline decides again on fresh state.
 */
export async function decideOrderCommand(command: MessageOf<typeof ORDER_COMMANDS>): Promise<Decision> {
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
}
