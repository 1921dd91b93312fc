import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { declaredTables, loadServerlessConfig, toCreateTableInput } from '@msk-patterns/emulator';
import { containerContext, envelopeFor } from '@msk-patterns/pipeline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderEventStore, orderViews } from '../../functions/orders/stores.js';
import { cancelOrderV1, confirmOrderV1, placeOrderV1 } from '../../lib/contracts/orders.js';
import { rebuildOrderViews } from '../../lib/store/rebuild-views.js';
import { runOrderChain } from '../support/orders.js';

const suffix = Math.random().toString(36).slice(2, 10);
const orders = ['a', 'b', 'c'].map((name) => `order-r-${name}-${suffix}`);
const customerId = `customer-r-${suffix}`;

beforeAll(async () => {
  // Prepare: this file's own views table (the serverless.yml definition under another name), so that
  // switching generations here cannot disturb other test files reading the shared one.
  const definition = declaredTables(loadServerlessConfig()).get('OrderViewsTable');
  if (!definition) throw new Error('serverless.yml declares no OrderViewsTable');
  const table = `order-views-rebuild-${suffix}`;
  await containerContext().documentClient.send(
    new CreateTableCommand({ ...toCreateTableInput(definition), TableName: table }),
  );
  process.env.ORDER_VIEWS_TABLE = table;

  const place = (orderId: string) =>
    envelopeFor(
      placeOrderV1,
      { orderId, customerId, currency: 'EUR', items: [{ sku: 's', quantity: 1, unitPrice: 999 }] },
      { id: `p-${orderId}` },
    );
  await runOrderChain(inject('kafkaBrokers'), `r-${suffix}`, [
    ...orders.map(place),
    envelopeFor(confirmOrderV1, { orderId: orders[0] as string }, { id: `c-${suffix}` }),
    envelopeFor(cancelOrderV1, { orderId: orders[1] as string, reason: 'customer' }, { id: `x-${suffix}` }),
    envelopeFor(confirmOrderV1, { orderId: orders[1] as string }, { id: `y-${suffix}` }),
  ]);
}, 60_000);
afterAll(() => containerContext().publisher.disconnect());

describe('rebuild of the order views from the event store', () => {
  // A rebuild reads every order of the event store, and the suite's other tests share it: by the time
  // this runs it may hold a few thousand orders (the malformed flood alone places 1,000).
  it('fills a new generation equal to the live one, then switches to it', { timeout: 120_000 }, async () => {
    // Prepare
    const live = await orderViews(containerContext()).activeGeneration();
    const liveViews = await Promise.all(
      orders.map((orderId) => orderViews(containerContext()).get(orderId, live)),
    );
    const liveList = await orderViews(containerContext()).listByCustomer(customerId, live);
    expect(liveViews.map((view) => view?.status)).toEqual(['confirmed', 'cancelled', 'placed']);

    // Act
    const result = await rebuildOrderViews({
      client: containerContext().documentClient,
      eventStoreTable: process.env.EVENT_STORE_TABLE as string,
      store: orderEventStore(containerContext()),
      views: orderViews(containerContext()),
      log: () => {},
    });

    // Assess
    expect(result.generation).toBe(live + 1);
    expect(await orderViews(containerContext()).activeGeneration()).toBe(live + 1);
    expect(await Promise.all(orders.map((orderId) => orderViews(containerContext()).get(orderId)))).toEqual(
      liveViews,
    );
    expect(await orderViews(containerContext()).listByCustomer(customerId)).toEqual(liveList);
  });
});
