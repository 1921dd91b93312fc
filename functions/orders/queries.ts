import * as z from 'zod/mini';
import { entityId as id } from '../../lib/contracts/fields.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { HttpError, httpQuery } from '../../lib/pipeline/http.js';
import { loadOrder } from '../../lib/store/orders.js';
import { orderEventStore, orderViews } from './stores.js';

function notFound(orderId: string): never {
  throw new HttpError(404, `order ${orderId} not found`);
}

/** GET /orders/{orderId}: the order view (read side). */
export const getOrder = httpQuery(
  [TABLE_VARIABLES.orderViews],
  z.object({ orderId: id }),
  async ({ orderId }) => {
    const view = await orderViews().get(orderId);
    if (!view || view.status === 'none') notFound(orderId);
    return view;
  },
);

/** GET /customers/{customerId}/orders: the customer's orders (read side). */
export const listCustomerOrders = httpQuery(
  [TABLE_VARIABLES.orderViews],
  z.object({ customerId: id }),
  async ({ customerId }) => ({
    customerId,
    orders: await orderViews().listByCustomer(customerId),
  }),
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
  async ({ orderId, version, at }) => {
    const loaded = await loadOrder(
      orderEventStore(),
      orderId,
      version !== undefined ? { asOfVersion: version } : { asOfTime: new Date(at as string) },
    );
    if (loaded.version === 0 || loaded.state.status === 'none') notFound(orderId);
    return { orderId, version: loaded.version, state: loaded.state };
  },
);

/** GET /orders/{orderId}/events: the order's events, upcast to their current versions. */
export const listOrderEvents = httpQuery(
  [TABLE_VARIABLES.eventStore],
  z.object({ orderId: id }),
  async ({ orderId }) => {
    const { events } = await loadOrder(orderEventStore(), orderId, { fromStart: true });
    if (events.length === 0) notFound(orderId);
    return { orderId, events };
  },
);
