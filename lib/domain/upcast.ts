import { describeIssues, type PayloadOf, PermanentError } from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import {
  type ORDER_EVENTS,
  orderCancelledV1,
  orderConfirmedV1,
  orderPlacedV1,
  orderPlacedV2,
  orderRejectedV1,
} from '../contracts/order-events.js';
import type { OrderEvent } from './order.js';

/** An order event in any version its contracts know: what a topic or the event store may hold. */
export type AnyOrderEvent = PayloadOf<typeof ORDER_EVENTS>;

/** "12.50" → 1250, exactly (no floating point on money). */
function decimalToMinorUnits(price: string): number {
  const [units = '0', cents = '00'] = price.split('.');
  return Number(units) * 100 + Number(cents.padEnd(2, '0').slice(0, 2));
}

/**
 * Turn any version of an order event into the current one. v1 OrderPlaced carried decimal strings in
 * euros; v2 carries integer minor units, the currency and the total.
 */
export function upcastOrderEvent(event: AnyOrderEvent): OrderEvent {
  if (event.type !== 'OrderPlaced' || event.version === 2) return event;
  const items = event.data.items.map(({ sku, quantity, price }) => ({
    sku,
    quantity,
    unitPrice: decimalToMinorUnits(price),
  }));
  return {
    type: 'OrderPlaced',
    version: 2,
    data: {
      orderId: event.data.orderId,
      customerId: event.data.customerId,
      currency: 'EUR',
      items,
      total: items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0),
    },
  };
}

/** A stored event whose type and version no contract of orders.events knows, or whose data breaks it. */
export class UnreadableOrderEventError extends PermanentError {
  override name = 'UnreadableOrderEventError';
}

function dataOf<TData>(schema: z.core.$ZodType<TData>, stored: StoredOrderEvent): TData {
  const parsed = z.safeParse(schema, stored.data);
  if (!parsed.success)
    throw new UnreadableOrderEventError(
      `stored ${stored.type} v${stored.version} breaks its contract: ${describeIssues(parsed.error)}`,
    );
  return parsed.data;
}

interface StoredOrderEvent {
  type: string;
  version: number;
  data: unknown;
}

/**
 * An event read back from the event store, parsed by its contract: the store holds what was valid when
 * it was appended, and reading it through the same contract keeps its type honest.
 */
export function readOrderEvent(stored: StoredOrderEvent): AnyOrderEvent {
  switch (`${stored.type} v${stored.version}`) {
    case 'OrderPlaced v1':
      return { type: 'OrderPlaced', version: 1, data: dataOf(orderPlacedV1.data, stored) };
    case 'OrderPlaced v2':
      return { type: 'OrderPlaced', version: 2, data: dataOf(orderPlacedV2.data, stored) };
    case 'OrderConfirmed v1':
      return { type: 'OrderConfirmed', version: 1, data: dataOf(orderConfirmedV1.data, stored) };
    case 'OrderCancelled v1':
      return { type: 'OrderCancelled', version: 1, data: dataOf(orderCancelledV1.data, stored) };
    case 'OrderRejected v1':
      return { type: 'OrderRejected', version: 1, data: dataOf(orderRejectedV1.data, stored) };
    default:
      throw new UnreadableOrderEventError(`${stored.type} v${stored.version} is not an order event`);
  }
}
