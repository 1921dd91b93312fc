/** Inventory rules, pure: all-or-nothing reservations over per-SKU stock that never goes negative. */

export interface StockLine {
  sku: string;
  quantity: number;
}

/** One SKU's stock. Invariant: received = available + reserved + sold. */
export interface StockLevel {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
  /** everything ever put on the shelf */
  received: number;
}

export const RESERVATION_STATUS = {
  reserved: 'reserved',
  released: 'released',
  committed: 'committed',
  rejected: 'rejected',
} as const;
export type ReservationStatus = (typeof RESERVATION_STATUS)[keyof typeof RESERVATION_STATUS];

export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  items: StockLine[];
  reason?: string;
}

/**
 * One line per SKU: an order may name a SKU twice, and one transaction can touch an item only once.
 * Sorted by SKU so every reservation locks items in the same order.
 */
export function perSku(lines: readonly StockLine[]): StockLine[] {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of lines) totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  return [...totals]
    .map(([sku, quantity]) => ({ sku, quantity }))
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/** Why the order cannot be held, or undefined when every line can. */
export function shortage(
  lines: readonly StockLine[],
  stock: ReadonlyMap<string, StockLevel>,
): string | undefined {
  const short = lines.flatMap(({ sku, quantity }) => {
    const available = stock.get(sku)?.available;
    if (available === undefined) return [`${sku} is not stocked`];
    return available < quantity ? [`${sku}: ${quantity} wanted, ${available} available`] : [];
  });
  return short.length > 0 ? `out of stock (${short.join('; ')})` : undefined;
}
