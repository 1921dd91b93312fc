import { perServiceContext } from '@msk-patterns/pipeline';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import type { OrderState } from '../../lib/domain/order.js';
import { EventStore } from '../../lib/store/event-store.js';
import { OrderViews } from '../../lib/store/order-views.js';
import { ORDER_STATE_VERSION } from '../../lib/store/orders.js';
import { StateCache } from '../../lib/store/state-cache.js';

/**
 * The orders' stores of a service context. Their own module, so that the query functions reach them
 * without the write side's and projector's Kafka consumers.
 */

/** The orders event store (write side, and history queries). */
export const orderEventStore = perServiceContext(
  (service) =>
    new EventStore<OrderState>(service.documentClient, service.tableName(TABLE_VARIABLES.eventStore), {
      snapshotEvery: Number(service.environment.SNAPSHOT_EVERY ?? 50),
      stateVersion: ORDER_STATE_VERSION,
    }),
);

/** What this container committed to each order's stream (the write side's cache; see StateCache). */
export const orderStateCache = perServiceContext(
  (service) => new StateCache<OrderState>(Number(service.environment.ORDER_STATE_CACHE_SIZE ?? 10_000)),
);

/** The order views (read side). */
export const orderViews = perServiceContext(
  (service) => new OrderViews(service.documentClient, service.tableName(TABLE_VARIABLES.orderViews)),
);
