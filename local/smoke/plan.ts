import { type Envelope, envelopeFor } from '@msk-patterns/pipeline';
import { cancelOrderV1, placeOrderV1 } from '../../lib/contracts/orders.js';
import { SAGA_CAUSES, SAGA_STATES } from '../../lib/domain/saga-names.js';
import type { SagaCause, SagaStateName } from '../../lib/domain/saga-types.js';

/** Every smoke order's id starts with this, so that an operator tells smoke traffic apart. */
export const SMOKE_ORDER_PREFIX = 'smoke-';
/** The customer every smoke order is placed for: no real customer's limit or history is touched. */
export const SMOKE_CUSTOMER = 'smoke-customer';
/** The SKU smoke orders buy: the smoke run puts its own units on the shelf first; no real SKU is touched. */
export const SMOKE_SKU = 'smoke-sku';
/** The header that marks a smoke command on the topic (its value is the run's id). */
export const SMOKE_HEADER = 'smoke-run';

/** One smoke order: what is sent, and where its saga must end. */
export interface SmokeOrder {
  orderId: string;
  /** what it exercises, as printed */
  path: 'completes' | 'over-limit' | 'customer-cancel';
  /** produced in this order, keyed by the order id */
  commands: Array<Envelope<{ orderId: string }>>;
  expected: { state: SagaStateName; cause?: SagaCause; orderStatus: 'confirmed' | 'cancelled' };
}

/**
 * The smoke run's three orders: one that completes, one over the payment limit (declined, cancelled,
 * its stock released), one its customer cancels. The cancel is produced right behind its PlaceOrder:
 * both are keyed by the order id, so they share a partition and the order service reads the cancel
 * before the saga's ConfirmOrder can arrive — the outcome does not depend on timing.
 *
 * @param runId - this run's id, in every order id and correlation id
 * @param customerLimit - the payment provider's limit (the stage's PAYMENT_CUSTOMER_LIMIT), in minor units
 */
export function smokeOrders(runId: string, customerLimit: number): SmokeOrder[] {
  const tag = runId.slice(0, 8);
  const meta = () => ({
    id: crypto.randomUUID(),
    correlationId: runId,
    occurredAt: new Date().toISOString(),
  });
  const place = (orderId: string, unitPrice: number) =>
    envelopeFor(
      placeOrderV1,
      {
        orderId,
        customerId: SMOKE_CUSTOMER,
        currency: 'EUR',
        items: [{ sku: SMOKE_SKU, quantity: 1, unitPrice }],
      },
      meta(),
    );
  const completes = `${SMOKE_ORDER_PREFIX}${tag}-completes`;
  const overLimit = `${SMOKE_ORDER_PREFIX}${tag}-over-limit`;
  const cancelled = `${SMOKE_ORDER_PREFIX}${tag}-customer-cancel`;
  return [
    {
      orderId: completes,
      path: 'completes',
      commands: [place(completes, 1_250)],
      expected: { state: SAGA_STATES.completed, orderStatus: 'confirmed' },
    },
    {
      orderId: overLimit,
      path: 'over-limit',
      commands: [place(overLimit, customerLimit + 1)],
      expected: { state: SAGA_STATES.cancelled, cause: SAGA_CAUSES.declined, orderStatus: 'cancelled' },
    },
    {
      orderId: cancelled,
      path: 'customer-cancel',
      commands: [
        place(cancelled, 1_250),
        envelopeFor(
          cancelOrderV1,
          { orderId: cancelled, reason: 'smoke test: cancelled by its customer' },
          meta(),
        ),
      ],
      expected: { state: SAGA_STATES.cancelled, cause: SAGA_CAUSES.customer, orderStatus: 'cancelled' },
    },
  ];
}

/** What the saga's transitions mean, as the smoke run prints its hops. */
export const HOP_NAMES: Readonly<Record<string, string>> = {
  OrderPlaced: 'OrderPlaced',
  StockReserved: 'stock reserved',
  StockRejected: 'stock rejected',
  PaymentCompleted: 'charged',
  PaymentDeclined: 'payment declined',
  OrderConfirmed: 'confirmed',
  OrderCancelled: 'order cancelled',
  OrderRejected: 'order refused a command',
  StockReleased: 'stock released',
  PaymentRefunded: 'refunded',
  StockCommitted: 'stock committed',
  Deadline: 'deadline passed',
};
