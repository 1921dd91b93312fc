import { isTerminal, type Saga } from '../lib/domain/saga.js';
import type { InventoryStore } from '../lib/store/inventory.js';
import type { SimulatedPaymentProvider } from '../lib/store/payments.js';

/** What must hold once a set of orders has gone through the saga (the demo's summary, the saga tests). */
export interface SagaInvariants {
  /** sagas neither terminal nor with their message on a dead-letter topic */
  unfinished: number;
  /** per SKU: received = available + reserved + sold, nothing left reserved, sold = confirmed quantities */
  stockConserved: boolean;
  /** the SKUs that break it, with their levels and what confirmed orders bought (empty when it holds) */
  stockProblems: string[];
  /** provider ledger: charged − refunded = total of confirmed orders */
  moneyBalanced: boolean;
  /** orders whose stream holds both OrderConfirmed and OrderCancelled */
  confirmedAndCancelled: number;
}

export async function checkSagaInvariants(input: {
  orderIds: readonly string[];
  sagas: ReadonlyMap<string, Saga>;
  /** order ids (Kafka keys) found on a dead-letter topic */
  deadLettered: ReadonlySet<string>;
  inventory: InventoryStore;
  /** the SKUs these orders used, and only these orders */
  skus: readonly string[];
  ledger: SimulatedPaymentProvider;
  /** the types of the events in an order's stream */
  eventTypes: (orderId: string) => Promise<string[]>;
}): Promise<SagaInvariants> {
  const { sagas } = input;
  const unfinished = input.orderIds.filter((id) => {
    const saga = sagas.get(id);
    return !(saga && isTerminal(saga.state)) && !input.deadLettered.has(id);
  }).length;

  const soldExpected = new Map<string, number>();
  let confirmedTotal = 0;
  for (const id of input.orderIds) {
    const saga = sagas.get(id);
    if (saga?.state !== 'completed') continue;
    confirmedTotal += saga.order.total;
    for (const item of saga.order.items)
      soldExpected.set(item.sku, (soldExpected.get(item.sku) ?? 0) + item.quantity);
  }
  const stock = await input.inventory.stock(input.skus);
  const stockProblems = input.skus.flatMap((sku) => {
    const level = stock.get(sku);
    const sold = soldExpected.get(sku) ?? 0;
    const holds =
      level !== undefined &&
      level.received === level.available + level.reserved + level.sold &&
      level.reserved === 0 &&
      level.available >= 0 &&
      level.sold === sold;
    return holds ? [] : [`${sku} ${JSON.stringify(level ?? null)} confirmed_bought=${sold}`];
  });
  const stockConserved = stockProblems.length === 0;

  const ids = new Set(input.orderIds);
  const money = await input.ledger.totals((entry) =>
    ids.has(entry.idempotencyKey.replace(/^(charge|refund):/, '')),
  );
  const moneyBalanced = money.charged - money.refunded === confirmedTotal;

  const histories = await Promise.all(input.orderIds.map((id) => input.eventTypes(id)));
  const confirmedAndCancelled = histories.filter(
    (types) => types.includes('OrderConfirmed') && types.includes('OrderCancelled'),
  ).length;
  return { unfinished, stockConserved, stockProblems, moneyBalanced, confirmedAndCancelled };
}
