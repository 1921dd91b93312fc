import { defineContract } from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import {
  currencyCode,
  entityId,
  MAX_ORDER_LINES,
  MAX_QUANTITY,
  minorUnits,
  orderLines,
  text,
} from './fields.js';

/** v1 (as first published): prices as decimal strings in euros. Kept so old events still read. */
export const orderPlacedV1 = defineContract({
  topic: 'orders.events',
  type: 'OrderPlaced',
  version: 1,
  description: 'An order was placed (v1: decimal-string prices, euros implied). Upcast to v2 on read.',
  data: z.object({
    orderId: entityId,
    customerId: entityId,
    items: z
      .array(
        z.object({
          sku: entityId,
          quantity: z.int().check(z.positive(), z.lte(MAX_QUANTITY)),
          price: z.string().check(z.regex(/^\d{1,7}\.\d{2}$/)),
        }),
      )
      .check(z.minLength(1), z.maxLength(MAX_ORDER_LINES)),
  }),
});

export const orderPlacedV2 = defineContract({
  topic: 'orders.events',
  type: 'OrderPlaced',
  version: 2,
  description: 'An order was placed: exact amounts in integer minor units, explicit currency and total.',
  data: z.object({
    orderId: entityId,
    customerId: entityId,
    currency: currencyCode,
    items: orderLines,
    total: minorUnits,
  }),
});

export const orderConfirmedV1 = defineContract({
  topic: 'orders.events',
  type: 'OrderConfirmed',
  version: 1,
  description: 'Stock and payment are settled: the order is confirmed.',
  data: z.object({ orderId: entityId }),
});

export const orderCancelledV1 = defineContract({
  topic: 'orders.events',
  type: 'OrderCancelled',
  version: 1,
  description: 'The order was cancelled.',
  data: z.object({ orderId: entityId, reason: text }),
});

export const orderRejectedV1 = defineContract({
  topic: 'orders.events',
  type: 'OrderRejected',
  version: 1,
  description: 'A command on the order was refused; callers and the saga learn why.',
  data: z.object({ orderId: entityId, command: text, reason: text }),
});

export const ORDER_EVENTS = [
  orderPlacedV1,
  orderPlacedV2,
  orderConfirmedV1,
  orderCancelledV1,
  orderRejectedV1,
] as const;
