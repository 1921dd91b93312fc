import { randomUUID } from 'node:crypto';
import { containerContext, envelopeFor } from '@msk-patterns/pipeline';
import { inventoryStore } from '../../functions/inventory/handler.js';
import { orderEventStore } from '../../functions/orders/stores.js';
import { sagaStore } from '../../functions/saga/store.js';
import { cancelOrderV1, placeOrderV1 } from '../../lib/contracts/orders.js';
import type { Saga } from '../../lib/domain/saga.js';
import { loadOrder } from '../../lib/store/orders.js';
import { SimulatedPaymentProvider } from '../../lib/store/payments.js';
import { checkSagaInvariants } from '../../local/saga-invariants.js';

/** Helpers of the saga integration tests: a provider, commands, stock, and the invariants. */
export const LIMIT = 100_000;

/** A simulated provider of the tests' own: a saga bus given it charges there (`new SagaBus({ provider })`). */
export function provider(
  options: { failureRate?: number; random?: () => number } = {},
): SimulatedPaymentProvider {
  const simulated = new SimulatedPaymentProvider(
    containerContext().documentClient,
    process.env.PAYMENTS_TABLE as string,
    {
      customerLimit: LIMIT,
      failureRate: options.failureRate ?? 0,
      ...(options.random ? { random: options.random } : {}),
    },
  );
  return simulated;
}

export const place = (orderId: string, items: Array<{ sku: string; quantity: number; unitPrice: number }>) =>
  envelopeFor(
    placeOrderV1,
    { orderId, customerId: 'customer-1', currency: 'EUR', items },
    { id: randomUUID(), occurredAt: new Date().toISOString() },
  );
export const cancel = (orderId: string) =>
  envelopeFor(
    cancelOrderV1,
    { orderId, reason: 'changed my mind' },
    { id: randomUUID(), occurredAt: new Date().toISOString() },
  );

export async function stocked(skus: Record<string, number>): Promise<string[]> {
  await Promise.all(
    Object.entries(skus).map(([sku, quantity]) => inventoryStore(containerContext()).receive(sku, quantity)),
  );
  return Object.keys(skus);
}

export const saga = async (orderId: string) => (await sagaStore(containerContext()).get(orderId)) as Saga;
export const eventTypes = async (orderId: string) =>
  (await loadOrder(orderEventStore(containerContext()), orderId, { fromStart: true })).events.map(
    (event) => event.type,
  );

export async function invariants(orderIds: string[], skus: string[], ledger: SimulatedPaymentProvider) {
  return checkSagaInvariants({
    orderIds,
    sagas: await sagaStore(containerContext()).getMany(orderIds),
    deadLettered: new Set(),
    inventory: inventoryStore(containerContext()),
    skus,
    ledger,
    eventTypes,
  });
}

export const HOLDS = {
  unfinished: 0,
  stockConserved: true,
  stockProblems: [],
  moneyBalanced: true,
  confirmedAndCancelled: 0,
};
