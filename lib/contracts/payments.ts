import { defineContract } from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { currencyCode, entityId, minorUnits, text } from './fields.js';

export const chargePaymentV1 = defineContract({
  topic: 'payments.commands',
  type: 'ChargePayment',
  version: 1,
  description: "The saga asks to charge the order's total to its customer.",
  data: z.object({ orderId: entityId, customerId: entityId, amount: minorUnits, currency: currencyCode }),
});

export const refundPaymentV1 = defineContract({
  topic: 'payments.commands',
  type: 'RefundPayment',
  version: 1,
  description:
    'The saga gives the money back (compensation). Sent before the charge it also voids one arriving later.',
  data: z.object({ orderId: entityId, reason: text }),
});

export const paymentCompletedV1 = defineContract({
  topic: 'payments.events',
  type: 'PaymentCompleted',
  version: 1,
  description: 'The provider charged the amount.',
  data: z.object({ orderId: entityId, paymentId: entityId, amount: minorUnits, currency: currencyCode }),
});

export const paymentDeclinedV1 = defineContract({
  topic: 'payments.events',
  type: 'PaymentDeclined',
  version: 1,
  description: 'Nothing was charged, and why.',
  data: z.object({ orderId: entityId, reason: text }),
});

export const paymentRefundedV1 = defineContract({
  topic: 'payments.events',
  type: 'PaymentRefunded',
  version: 1,
  description: 'The charge was given back (`amount` 0 when nothing had been charged: the order is void).',
  data: z.object({ orderId: entityId, amount: minorUnits }),
});

export const PAYMENT_COMMANDS = [chargePaymentV1, refundPaymentV1] as const;
export const PAYMENT_EVENTS = [paymentCompletedV1, paymentDeclinedV1, paymentRefundedV1] as const;
