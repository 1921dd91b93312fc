/**
 * The saga's state and cause names, a leaf with no imports: the operator console's pages (a browser
 * build) read them from here, as the domain does through saga-types.ts.
 */

export const SAGA_STATES = {
  /** ReserveStock sent; waiting for StockReserved / StockRejected */
  reserving: 'reserving',
  /** ChargePayment sent; waiting for PaymentCompleted / PaymentDeclined */
  charging: 'charging',
  /** ConfirmOrder sent; waiting for OrderConfirmed */
  confirming: 'confirming',
  /** compensations sent; waiting for each of them to be acknowledged */
  compensating: 'compensating',
  completed: 'completed',
  cancelled: 'cancelled',
  /** compensation did not complete within its attempts: an operator must look */
  failed: 'failed',
} as const;

/** Why a saga compensated. */
export const SAGA_CAUSES = {
  outOfStock: 'out-of-stock',
  declined: 'payment-declined',
  customer: 'customer-cancelled',
  timeout: 'timed-out',
} as const;
