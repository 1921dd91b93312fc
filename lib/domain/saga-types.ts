import type * as z from 'zod/mini';
import type { commitStockV1, releaseStockV1, reserveStockV1 } from '../contracts/inventory.js';
import type { cancelOrderV1, confirmOrderV1 } from '../contracts/orders.js';
import type { chargePaymentV1, refundPaymentV1 } from '../contracts/payments.js';
import { SAGA_CAUSES, SAGA_STATES } from './saga-names.js';

type DataOf<T extends { data: z.core.$ZodType }> = z.infer<T['data']>;

/**
 * The order fulfilment saga's states, causes, records and messages (docs/architecture.md, pattern 3);
 * its transitions are in saga.ts. The state and cause names are in saga-names.ts.
 */
export { SAGA_CAUSES, SAGA_STATES };
export type SagaStateName = (typeof SAGA_STATES)[keyof typeof SAGA_STATES];

const { charging, confirming, compensating, completed, cancelled, failed } = SAGA_STATES;

/** Where each state may go. A terminal state only "moves" to itself (a late event's compensation is recorded). */
export const ALLOWED_TRANSITIONS = {
  reserving: [charging, compensating],
  charging: [confirming, compensating],
  confirming: [completed, compensating, confirming, failed],
  compensating: [compensating, cancelled, failed],
  completed: [completed],
  cancelled: [cancelled],
  failed: [failed],
} as const satisfies Record<SagaStateName, readonly SagaStateName[]>;

export const TERMINAL_STATES: ReadonlySet<SagaStateName> = new Set([completed, cancelled, failed]);

export const isTerminal = (state: SagaStateName): boolean => TERMINAL_STATES.has(state);

/** The answers a compensation waits for, one per compensating command. */
export const ACKNOWLEDGEMENTS = {
  StockReleased: 'ReleaseStock',
  PaymentRefunded: 'RefundPayment',
  OrderCancelled: 'CancelOrder',
} as const;
export type Acknowledgement = keyof typeof ACKNOWLEDGEMENTS;

export type SagaCause = (typeof SAGA_CAUSES)[keyof typeof SAGA_CAUSES];

/** Deadline expirations a waiting state survives (re-sending its commands) before it gives up. */
export const MAX_DEADLINE_ATTEMPTS = 3;

export interface SagaOrder {
  orderId: string;
  customerId: string;
  currency: string;
  items: Array<{ sku: string; quantity: number; unitPrice: number }>;
  total: number;
}

export interface Saga {
  orderId: string;
  state: SagaStateName;
  /** bumped by every transition; the conditional write checks it */
  version: number;
  order: SagaOrder;
  /** compensations sent and not yet acknowledged */
  pending: Acknowledgement[];
  /** what has been done and must be undone on failure */
  reserved: boolean;
  charged: boolean;
  /** the customer's order is cancelled (by the customer or by us) */
  orderCancelled: boolean;
  paymentId?: string;
  /** why the saga is where it is, in words */
  outcome: string;
  /** why it compensated, once it did */
  cause?: SagaCause;
  /** the correlation id of the order's messages, carried by everything the saga sends */
  correlationId?: string;
  /**
   * The W3C `traceparent` of the span that last moved the saga: its deadline's `DeadlineExpired`
   * continues the order's trace from there.
   */
  traceparent?: string;
  /** epoch ms; absent in a terminal state */
  deadlineAt?: number;
  /** deadline expirations in the current state */
  attempts: number;
  startedAt: string;
  updatedAt: string;
}

/** What can move a saga: the events it listens to, and its own deadline. */
export type SagaTrigger =
  | { type: 'OrderPlaced'; data: SagaOrder }
  | { type: 'OrderConfirmed'; data: { orderId: string } }
  | { type: 'OrderCancelled'; data: { orderId: string; reason: string } }
  | { type: 'OrderRejected'; data: { orderId: string; command: string; reason: string } }
  | { type: 'StockReserved'; data: { orderId: string } }
  | { type: 'StockRejected'; data: { orderId: string; reason: string } }
  | { type: 'StockReleased'; data: { orderId: string } }
  | { type: 'StockCommitted'; data: { orderId: string } }
  | { type: 'PaymentCompleted'; data: { orderId: string; paymentId: string; amount: number } }
  | { type: 'PaymentDeclined'; data: { orderId: string; reason: string } }
  | { type: 'PaymentRefunded'; data: { orderId: string; amount: number } }
  | { type: 'DeadlineExpired'; data: { orderId: string } };

/** A command the saga sends, keyed by order id on its topic. */
export type SagaCommand =
  | { topic: 'inventory.commands'; type: 'ReserveStock'; version: 1; data: DataOf<typeof reserveStockV1> }
  | { topic: 'inventory.commands'; type: 'ReleaseStock'; version: 1; data: DataOf<typeof releaseStockV1> }
  | { topic: 'inventory.commands'; type: 'CommitStock'; version: 1; data: DataOf<typeof commitStockV1> }
  | { topic: 'payments.commands'; type: 'ChargePayment'; version: 1; data: DataOf<typeof chargePaymentV1> }
  | { topic: 'payments.commands'; type: 'RefundPayment'; version: 1; data: DataOf<typeof refundPaymentV1> }
  | { topic: 'orders.commands'; type: 'ConfirmOrder'; version: 1; data: DataOf<typeof confirmOrderV1> }
  | { topic: 'orders.commands'; type: 'CancelOrder'; version: 1; data: DataOf<typeof cancelOrderV1> };

export type SagaStep =
  | { kind: 'moved'; saga: Saga; from: SagaStateName | 'none'; commands: SagaCommand[]; note: string }
  | { kind: 'ignored'; reason: string };

export interface SagaClock {
  /** epoch ms */
  now: number;
  /** how long a waiting state waits for its answer */
  stepTimeoutMs: number;
}

/** A transition the table does not allow: a bug in {@link transition}, never a message's fault. */
export class IllegalSagaTransitionError extends Error {
  override readonly name = 'IllegalSagaTransitionError';
  constructor(
    readonly orderId: string,
    readonly from: SagaStateName,
    readonly to: SagaStateName,
  ) {
    super(`saga ${orderId}: ${from} → ${to} is not an allowed transition`);
  }
}
