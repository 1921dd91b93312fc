import { defineContract, type ProducerDeclaration } from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { keyedByOrderId } from './by-order.js';
import { currencyCode, entityId, orderLines, text } from './fields.js';

export const placeOrderV1 = defineContract({
  topic: 'orders.commands',
  type: 'PlaceOrder',
  version: 1,
  description: 'A customer asks to place an order.',
  data: z.object({
    orderId: entityId,
    customerId: entityId,
    currency: currencyCode,
    items: orderLines,
  }),
});

export const cancelOrderV1 = defineContract({
  topic: 'orders.commands',
  type: 'CancelOrder',
  version: 1,
  description: 'A customer or the saga asks to cancel an order.',
  data: z.object({ orderId: entityId, reason: text }),
});

export const confirmOrderV1 = defineContract({
  topic: 'orders.commands',
  type: 'ConfirmOrder',
  version: 1,
  description: 'The saga confirms an order once stock and payment are settled.',
  data: z.object({ orderId: entityId }),
});

export const ORDER_COMMANDS = [placeOrderV1, cancelOrderV1, confirmOrderV1] as const;

/** Commands from outside the service: customers place and cancel (the saga declares its own in functions/saga). */
export const orderCommandSenders: ProducerDeclaration = {
  producer: 'order clients',
  topic: 'orders.commands',
  types: ['PlaceOrder', 'CancelOrder'],
  key: keyedByOrderId,
};
