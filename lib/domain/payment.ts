import { TransientError } from '@msk-patterns/pipeline';

/** The payment provider, an outside system: every call names an idempotency key it honours. */
export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<{ refundId: string }>;
}

export interface ChargeRequest {
  /** the same key always means the same charge: a retried call never charges twice */
  idempotencyKey: string;
  customerId: string;
  amount: number;
  currency: string;
}

export type ChargeResult = { status: 'charged'; paymentId: string } | { status: 'declined'; reason: string };

export interface RefundRequest {
  idempotencyKey: string;
  paymentId: string;
  amount: number;
}

/** The provider did not answer (or answered 5xx): the charge may or may not have happened. */
export class ProviderUnavailableError extends TransientError {
  override name = 'ProviderUnavailableError';
}

export const PAYMENT_STATUS = {
  charged: 'charged',
  declined: 'declined',
  refunded: 'refunded',
  /** refunded before any charge arrived: a charge arriving later is declined */
  voided: 'voided',
} as const;
export type PaymentStatus = (typeof PAYMENT_STATUS)[keyof typeof PAYMENT_STATUS];

/** Our record of an order's payment. */
export interface Payment {
  orderId: string;
  status: PaymentStatus;
  amount: number;
  currency?: string;
  paymentId?: string;
  refunded: number;
  reason?: string;
}

/** The simulated provider's rule: a charge over the customer's limit is declined. */
export function declineReason(amount: number, limit: number): string | undefined {
  return amount > limit ? `amount ${amount} exceeds the customer limit ${limit} (minor units)` : undefined;
}
