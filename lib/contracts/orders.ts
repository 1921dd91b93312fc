import { z } from 'zod';
import { keyedByOrderId, type ProducerDeclaration } from './consumer-driven.js';
import { defineContract } from './registry.js';

/** Money in integer minor units (cents): amounts are exact. */
const minorUnits = z.int().nonnegative();

const orderLine = z.object({
  sku: z.string().min(1),
  quantity: z.int().positive(),
  unitPrice: minorUnits,
});

export const placeOrderV1 = defineContract({
  topic: 'orders.commands',
  type: 'PlaceOrder',
  version: 1,
  description: 'A customer asks to place an order.',
  data: z.object({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    currency: z.string().length(3),
    items: z.array(orderLine).min(1),
  }),
});

export const cancelOrderV1 = defineContract({
  topic: 'orders.commands',
  type: 'CancelOrder',
  version: 1,
  description: 'A customer or the saga asks to cancel an order.',
  data: z.object({ orderId: z.string().min(1), reason: z.string().min(1) }),
});

export const confirmOrderV1 = defineContract({
  topic: 'orders.commands',
  type: 'ConfirmOrder',
  version: 1,
  description: 'The saga confirms an order once stock and payment are settled.',
  data: z.object({ orderId: z.string().min(1) }),
});

export const ORDER_COMMANDS = [placeOrderV1, cancelOrderV1, confirmOrderV1] as const;

/** Commands come from outside the service: API callers, and the saga (ConfirmOrder/CancelOrder). */
export const orderCommandSenders: ProducerDeclaration = {
  producer: 'order clients and the saga',
  topic: 'orders.commands',
  types: ['PlaceOrder', 'CancelOrder', 'ConfirmOrder'],
  key: keyedByOrderId,
};
