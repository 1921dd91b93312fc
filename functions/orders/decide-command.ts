import {
  type Decision,
  type HandlerContext,
  type MessageOf,
  STREAM_VERSION_HEADER,
  stableId,
} from '@msk-patterns/pipeline';
import type { ORDER_COMMANDS } from '../../lib/contracts/orders.js';
import { decide, evolve, type OrderState } from '../../lib/domain/order.js';
import { loadOrder, orderStreamId } from '../../lib/store/orders.js';
import { orderMetrics } from './metrics.js';
import { orderEventStore, orderStateCache } from './stores.js';

/**
 * Event-sourced write side: load the order's stream, decide, append. The appended events and the
 * messages that publish them commit with the idempotency marker in one transaction; a concurrent
 * append fails its version condition and the pipeline decides again on fresh state.
 *
 * The stream is read only when this container has not committed to it before (or on a retry): the
 * state it committed last is cached. A stale cache cannot go unnoticed: a decision that appends
 * fails its version condition, and one that appends nothing (confirming or cancelling twice) is only
 * taken in a final state, which no later event changes.
 */
export async function decideOrderCommand(
  command: MessageOf<typeof ORDER_COMMANDS>,
  context: Pick<HandlerContext, 'attempt' | 'service'>,
): Promise<Decision> {
  const { orderId } = command.data;
  const events = orderEventStore(context.service);
  const cache = orderStateCache(context.service);
  const streamId = orderStreamId(orderId);
  // A first try trusts what this container committed last; a retry may follow a lost race: read.
  const { state, version } =
    (context.attempt === 1 && cache.get(streamId)) || (await loadOrder(events, orderId));
  const decided = decide(command, state);
  const occurredAt = new Date(context.service.now()).toISOString();
  const statesAfter: OrderState[] = [];
  decided.reduce((current, event) => {
    const next = evolve(current, event);
    statesAfter.push(next);
    return next;
  }, state);
  const writes = events.appendItems(
    streamId,
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
  const after = { state: statesAfter.at(-1) ?? state, version: version + decided.length };
  return {
    writes,
    committed: () => cache.set(streamId, after),
    metrics: orderMetrics(decided),
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
