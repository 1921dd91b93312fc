import type * as z from 'zod/mini';
import type {
  orderCancelledV1,
  orderConfirmedV1,
  orderPlacedV2,
  orderRejectedV1,
} from '../contracts/order-events.js';
import type { cancelOrderV1, confirmOrderV1, placeOrderV1 } from '../contracts/orders.js';

type DataOf<T extends { data: z.core.$ZodType }> = z.infer<T['data']>;

/** Commands on an order, by type. */
export type OrderCommand =
  | { type: 'PlaceOrder'; data: DataOf<typeof placeOrderV1> }
  | { type: 'ConfirmOrder'; data: DataOf<typeof confirmOrderV1> }
  | { type: 'CancelOrder'; data: DataOf<typeof cancelOrderV1> };

/** Events of an order, always in their current schema version (older ones are upcast on read). */
export type OrderEvent =
  | { type: 'OrderPlaced'; version: 2; data: DataOf<typeof orderPlacedV2> }
  | { type: 'OrderConfirmed'; version: 1; data: DataOf<typeof orderConfirmedV1> }
  | { type: 'OrderCancelled'; version: 1; data: DataOf<typeof orderCancelledV1> }
  | { type: 'OrderRejected'; version: 1; data: DataOf<typeof orderRejectedV1> };

export const ORDER_STATUS = {
  none: 'none',
  placed: 'placed',
  confirmed: 'confirmed',
  cancelled: 'cancelled',
} as const;
export type OrderStatus = (typeof ORDER_STATUS)[keyof typeof ORDER_STATUS];

export interface OrderState {
  status: OrderStatus;
  orderId?: string;
  customerId?: string;
  currency?: string;
  items: Array<{ sku: string; quantity: number; unitPrice: number }>;
  /** integer minor units */
  total: number;
  cancelReason?: string;
}

export const initialOrderState: OrderState = { status: ORDER_STATUS.none, items: [], total: 0 };

function rejected(orderId: string, command: OrderCommand['type'], reason: string): OrderEvent[] {
  return [{ type: 'OrderRejected', version: 1, data: { orderId, command, reason } }];
}

/**
 * The order's rules, as a pure function. A refused command yields an OrderRejected event (so callers
 * and the saga learn the outcome); a command that changes nothing (confirming twice, cancelling twice)
 * yields no event.
 */
export function decide(command: OrderCommand, state: OrderState): OrderEvent[] {
  const { orderId } = command.data;
  switch (command.type) {
    case 'PlaceOrder': {
      if (state.status !== ORDER_STATUS.none)
        return rejected(orderId, command.type, `order ${orderId} already exists`);
      const { customerId, currency, items } = command.data;
      const total = items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
      if (!Number.isSafeInteger(total)) return rejected(orderId, command.type, 'order total is too large');
      return [{ type: 'OrderPlaced', version: 2, data: { orderId, customerId, currency, items, total } }];
    }
    case 'ConfirmOrder':
      if (state.status === ORDER_STATUS.none)
        return rejected(orderId, command.type, `order ${orderId} does not exist`);
      if (state.status === ORDER_STATUS.cancelled)
        return rejected(orderId, command.type, `order ${orderId} is cancelled`);
      if (state.status === ORDER_STATUS.confirmed) return [];
      return [{ type: 'OrderConfirmed', version: 1, data: { orderId } }];
    case 'CancelOrder':
      if (state.status === ORDER_STATUS.none)
        return rejected(orderId, command.type, `order ${orderId} does not exist`);
      if (state.status === ORDER_STATUS.confirmed)
        return rejected(orderId, command.type, `order ${orderId} is confirmed`);
      if (state.status === ORDER_STATUS.cancelled) return [];
      return [{ type: 'OrderCancelled', version: 1, data: { orderId, reason: command.data.reason } }];
  }
}

/** Apply one event. Rejections record nothing on the order itself. */
export function evolve(state: OrderState, event: OrderEvent): OrderState {
  switch (event.type) {
    case 'OrderPlaced': {
      const { orderId, customerId, currency, items, total } = event.data;
      return { ...state, status: ORDER_STATUS.placed, orderId, customerId, currency, items, total };
    }
    case 'OrderConfirmed':
      return { ...state, status: ORDER_STATUS.confirmed };
    case 'OrderCancelled':
      return { ...state, status: ORDER_STATUS.cancelled, cancelReason: event.data.reason };
    case 'OrderRejected':
      return state;
  }
}

export const replay = (events: readonly OrderEvent[], from: OrderState = initialOrderState): OrderState =>
  events.reduce(evolve, from);
