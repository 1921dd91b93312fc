import { initialOrderState, type OrderEvent, type OrderState, replay } from '../domain/order.js';
import { readOrderEvent, upcastOrderEvent } from '../domain/upcast.js';
import type { EventStore, LoadOptions, StoredEvent } from './event-store.js';

/** Bump when OrderState changes shape: older snapshots are then ignored and rebuilt from events. */
export const ORDER_STATE_VERSION = 1;

export const orderStreamId = (orderId: string) => `order#${orderId}`;

export interface LoadedOrder {
  state: OrderState;
  version: number;
  /** events loaded after the snapshot, upcast to their current versions, with their place in the stream */
  events: Array<OrderEvent & { streamVersion: number; occurredAt: string }>;
}

/** An order's stored events as they read today: upcast, with their place in the stream. */
function upcastEvents(events: readonly StoredEvent[]): LoadedOrder['events'] {
  return events.map((event) => ({
    ...upcastOrderEvent(readOrderEvent({ type: event.type, version: event.schemaVersion, data: event.data })),
    streamVersion: event.version,
    occurredAt: event.occurredAt,
  }));
}

/** Up to `limit` of an order's events after version `afterVersion`, upcast. */
export async function orderEventsPage(
  store: EventStore<OrderState>,
  orderId: string,
  afterVersion: number,
  limit: number,
): Promise<LoadedOrder['events']> {
  return upcastEvents(await store.page(orderStreamId(orderId), afterVersion, limit));
}

/** An order's state from its stream: latest snapshot, then the events after it, upcast and applied. */
export async function loadOrder(
  store: EventStore<OrderState>,
  orderId: string,
  options: LoadOptions = {},
): Promise<LoadedOrder> {
  const { snapshot, events, version } = await store.load(orderStreamId(orderId), options);
  const upcast = upcastEvents(events);
  return { state: replay(upcast, snapshot?.state ?? initialOrderState), version, events: upcast };
}
