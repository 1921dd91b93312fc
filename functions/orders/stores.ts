import { getDocumentClient, tableName } from '@msk-patterns/pipeline';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import type { OrderState } from '../../lib/domain/order.js';
import { EventStore } from '../../lib/store/event-store.js';
import { OrderViews } from '../../lib/store/order-views.js';
import { ORDER_STATE_VERSION } from '../../lib/store/orders.js';
import { StateCache } from '../../lib/store/state-cache.js';

/**
 * The orders' stores, created on first use (table names come from the environment). Their own module,
 * so that the query functions reach them without the write side's and projector's Kafka consumers.
 */
let store: EventStore<OrderState> | undefined;
let states: StateCache<OrderState> | undefined;
let views: OrderViews | undefined;

/** The orders event store (write side, and history queries). */
export function orderEventStore(): EventStore<OrderState> {
  store ??= new EventStore<OrderState>(getDocumentClient(), tableName(TABLE_VARIABLES.eventStore), {
    snapshotEvery: Number(process.env.SNAPSHOT_EVERY ?? 50),
    stateVersion: ORDER_STATE_VERSION,
  });
  return store;
}

/** What this container committed to each order's stream (the write side's cache; see StateCache). */
export function orderStateCache(): StateCache<OrderState> {
  states ??= new StateCache<OrderState>(Number(process.env.ORDER_STATE_CACHE_SIZE ?? 10_000));
  return states;
}

/** The order views (read side). */
export function orderViews(): OrderViews {
  views ??= new OrderViews(getDocumentClient(), tableName(TABLE_VARIABLES.orderViews));
  return views;
}
