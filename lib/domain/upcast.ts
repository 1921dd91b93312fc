import type { OrderEvent } from './order.js';

/** An event as stored: any schema version of its type. */
export interface StoredEventPayload {
  type: string;
  version: number;
  data: unknown;
}

/** "12.50" → 1250, exactly (no floating point on money). */
function decimalToMinorUnits(price: string): number {
  const [units = '0', cents = '00'] = price.split('.');
  return Number(units) * 100 + Number(cents.padEnd(2, '0').slice(0, 2));
}

/**
 * Turn any stored version of an order event into the current one. v1 OrderPlaced carried decimal
 * strings in euros; v2 carries integer minor units, the currency and the total.
 */
export function upcastOrderEvent(event: StoredEventPayload): OrderEvent {
  if (event.type === 'OrderPlaced' && event.version === 1) {
    const data = event.data as {
      orderId: string;
      customerId: string;
      items: Array<{ sku: string; quantity: number; price: string }>;
    };
    const items = data.items.map(({ sku, quantity, price }) => ({
      sku,
      quantity,
      unitPrice: decimalToMinorUnits(price),
    }));
    return {
      type: 'OrderPlaced',
      version: 2,
      data: {
        orderId: data.orderId,
        customerId: data.customerId,
        currency: 'EUR',
        items,
        total: items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0),
      },
    };
  }
  return event as OrderEvent;
}
