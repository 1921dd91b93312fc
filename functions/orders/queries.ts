import { HttpError, httpQuery, pageCursor, pageLimit } from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { entityId as id } from '../../lib/contracts/fields.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { loadOrder, orderEventsPage } from '../../lib/store/orders.js';
import { orderEventStore, orderViews } from './stores.js';

function notFound(orderId: string): never {
  throw new HttpError(404, `order ${orderId} not found`);
}

/** GET /orders/{orderId}: the order view (read side). */
export const getOrder = httpQuery(
  [TABLE_VARIABLES.orderViews],
  z.object({ orderId: id }),
  async ({ orderId }, service) => {
    const view = await orderViews(service).get(orderId);
    if (!view || view.status === 'none') notFound(orderId);
    return view;
  },
);

const afterOrder = pageCursor(z.object({ afterOrderId: id }));

/**
 * GET /customers/{customerId}/orders?limit=N&cursor=C: a page of the customer's orders (read side), by
 * order id, with the cursor of the next page while there may be more.
 */
export const listCustomerOrders = httpQuery(
  [TABLE_VARIABLES.orderViews],
  z.object({ customerId: id, limit: pageLimit, cursor: afterOrder.param }),
  async ({ customerId, limit, cursor }, service) => {
    const page = await orderViews(service).pageByCustomer(customerId, {
      limit,
      afterOrderId: cursor?.afterOrderId,
    });
    return {
      customerId,
      orders: page.orders,
      ...(page.lastOrderId ? { next: afterOrder.encode({ afterOrderId: page.lastOrderId }) } : {}),
    };
  },
);

/** GET /orders/{orderId}/history?version=N | ?at=ISO-8601: the order as it was (from the event store). */
export const getOrderAsOf = httpQuery(
  [TABLE_VARIABLES.eventStore],
  z
    .object({
      orderId: id,
      version: z.optional(z.coerce.number().check(z.int(), z.positive())),
      at: z.optional(z.iso.datetime({ offset: true })),
    })
    .check(
      z.refine(
        (input) => (input.version === undefined) !== (input.at === undefined),
        'give exactly one of version or at',
      ),
    ),
  async ({ orderId, version, at }, service) => {
    const loaded = await loadOrder(
      orderEventStore(service),
      orderId,
      version !== undefined ? { asOfVersion: version } : { asOfTime: new Date(at as string) },
    );
    if (loaded.version === 0 || loaded.state.status === 'none') notFound(orderId);
    return { orderId, version: loaded.version, state: loaded.state };
  },
);

const afterVersion = pageCursor(z.object({ afterVersion: z.int().check(z.positive()) }));

/**
 * GET /orders/{orderId}/events?limit=N&cursor=C: a page of the order's events in stream order, upcast
 * to their current versions, with the cursor of the next page while there may be more.
 */
export const listOrderEvents = httpQuery(
  [TABLE_VARIABLES.eventStore],
  z.object({ orderId: id, limit: pageLimit, cursor: afterVersion.param }),
  async ({ orderId, limit, cursor }, service) => {
    // One more than asked: whether a next page exists, without an empty last page.
    const read = await orderEventsPage(
      orderEventStore(service),
      orderId,
      cursor?.afterVersion ?? 0,
      limit + 1,
    );
    if (read.length === 0 && cursor === undefined) notFound(orderId);
    const events = read.slice(0, limit);
    const last = events.at(-1)?.streamVersion;
    return {
      orderId,
      events,
      ...(read.length > limit && last !== undefined
        ? { next: afterVersion.encode({ afterVersion: last }) }
        : {}),
    };
  },
);
