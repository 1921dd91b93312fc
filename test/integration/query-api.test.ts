import type { Server } from 'node:http';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { loadServerlessConfig } from '@msk-patterns/emulator';
import { containerContext, envelopeFor, MAX_PAGE_SIZE } from '@msk-patterns/pipeline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderViews } from '../../functions/orders/stores.js';
import { cancelOrderV1, confirmOrderV1, placeOrderV1 } from '../../lib/contracts/orders.js';
import { TIMELINE_LENGTH } from '../../lib/store/order-views.js';
import { startHttpServer } from '../../local/http-server.js';
import { runOrderChain } from '../support/orders.js';

const suffix = Math.random().toString(36).slice(2, 10);
const orderId = `order-q-${suffix}`;
const customerId = `customer-q-${suffix}`;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  // Prepare the whole chain: commands → event store → orders.events → projector → views
  const commands = [
    envelopeFor(
      placeOrderV1,
      { orderId, customerId, currency: 'EUR', items: [{ sku: 's', quantity: 3, unitPrice: 700 }] },
      { id: `p-${suffix}` },
    ),
    envelopeFor(confirmOrderV1, { orderId }, { id: `c-${suffix}` }),
  ];
  await runOrderChain(inject('kafkaBrokers'), `q-${suffix}`, commands);
  ({ server, url: baseUrl } = await startHttpServer(loadServerlessConfig()));
}, 60_000);
afterAll(async () => {
  server?.close();
  await containerContext().publisher.disconnect();
});

async function get(path: string) {
  const response = await fetch(`${baseUrl}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('query API (HTTP functions served locally as API Gateway v2 events)', () => {
  it('GET /orders/{orderId} returns the view built by the projector', async () => {
    const { status, body } = await get(`/orders/${orderId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ orderId, customerId, status: 'confirmed', total: 2100, version: 2 });
  });

  it("GET /customers/{customerId}/orders lists the customer's orders", async () => {
    const { body } = await get(`/customers/${customerId}/orders`);
    expect(body).toEqual({
      customerId,
      orders: [{ orderId, status: 'confirmed', total: 2100, currency: 'EUR', version: 2 }],
    });
    expect(body).not.toHaveProperty('next');
  });

  it('GET /orders/{orderId}/history travels back to a version or an instant (event store)', async () => {
    expect((await get(`/orders/${orderId}/history?version=1`)).body).toMatchObject({
      version: 1,
      state: { status: 'placed' },
    });
    expect(
      (await get(`/orders/${orderId}/history?at=${encodeURIComponent(new Date().toISOString())}`)).body,
    ).toMatchObject({ version: 2 });
    expect(
      (await get(`/orders/${orderId}/history?at=${encodeURIComponent('2020-01-01T00:00:00Z')}`)).status,
    ).toBe(404);
  });

  it("GET /orders/{orderId}/events lists the order's events with their stream versions", async () => {
    const { body } = await get(`/orders/${orderId}/events`);
    expect(
      (body.events as Array<{ streamVersion: number; type: string }>).map((event) => [
        event.streamVersion,
        event.type,
      ]),
    ).toEqual([
      [1, 'OrderPlaced'],
      [2, 'OrderConfirmed'],
    ]);
  });

  it('answers an unknown id with 404 and invalid parameters with 400, as JSON', async () => {
    expect(await get('/orders/no-such-order')).toEqual({
      status: 404,
      body: { error: 'order no-such-order not found' },
    });
    const invalid = await get(`/orders/${encodeURIComponent('bad id!')}`);
    expect(invalid.status).toBe(400);
    expect((await get(`/orders/${orderId}/history`)).body).toMatchObject({
      error: 'invalid request',
      issues: [': give exactly one of version or at'],
    });
  });
});

/** Every page of a list route, following `next` from the first: the items of each page, in order. */
async function allPages(path: string, field: string): Promise<unknown[][]> {
  const pages: unknown[][] = [];
  let cursor: string | undefined;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const { status, body } = await get(`${path}${cursor ? `${separator}cursor=${cursor}` : ''}`);
    expect(status).toBe(200);
    pages.push(body[field] as unknown[]);
    cursor = typeof body.next === 'string' ? body.next : undefined;
  } while (cursor && pages.length < 100);
  return pages;
}

describe('list routes are paged (a whole list could pass Lambda’s 6 MB response)', () => {
  it("pages a customer's 120 orders by limit and cursor, each once, and refuses a bad cursor or limit with 400", async () => {
    // Prepare: 120 view rows of one customer, written as the projector writes them
    const busy = `customer-busy-${suffix}`;
    const views = orderViews(containerContext());
    const ids = Array.from(
      { length: 120 },
      (_, index) => `order-${suffix}-${String(index).padStart(3, '0')}`,
    );
    await Promise.all(
      ids.map((id) =>
        views.client.send(
          new TransactWriteCommand({
            TransactItems: views.applyItems(
              1,
              {
                orderId: id,
                customerId: busy,
                status: 'placed',
                items: [],
                total: 1,
                version: 1,
                timeline: [],
              },
              0,
            ),
          }),
        ),
      ),
    );

    // Act
    const pages = await allPages(`/customers/${busy}/orders?limit=50`, 'orders');
    const exact = await get(
      `/customers/${busy}/orders?limit=100&cursor=${String((await get(`/customers/${busy}/orders?limit=20`)).body.next)}`,
    );
    const badCursor = await get(`/customers/${busy}/orders?cursor=not-a-cursor`);
    const otherShape = await get(
      `/customers/${busy}/orders?cursor=${Buffer.from('{"afterOrderId":"a#b"}').toString('base64url')}`,
    );
    const tooMany = await get(`/customers/${busy}/orders?limit=${MAX_PAGE_SIZE + 1}`);

    // Assess
    expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
    expect((exact.body.orders as unknown[]).length).toBe(100);
    expect(exact.body).not.toHaveProperty('next');
    expect(pages.flat().map((order) => (order as { orderId: string }).orderId)).toEqual(ids);
    expect(badCursor).toMatchObject({
      status: 400,
      body: { issues: ['cursor: not a cursor this API gave'] },
    });
    expect(otherShape.status).toBe(400);
    expect(tooMany.status).toBe(400);
  });

  it(`pages an order's 62 events, and keeps its view's timeline to the last ${TIMELINE_LENGTH}`, async () => {
    // Prepare: placed, cancelled, then 60 confirmations refused (an OrderRejected each)
    const busyOrder = `order-rejected-${suffix}`;
    const commands = [
      envelopeFor(
        placeOrderV1,
        { orderId: busyOrder, customerId, currency: 'EUR', items: [{ sku: 's', quantity: 1, unitPrice: 1 }] },
        { id: `bp-${suffix}` },
      ),
      envelopeFor(cancelOrderV1, { orderId: busyOrder, reason: 'changed my mind' }, { id: `bc-${suffix}` }),
      ...Array.from({ length: 60 }, (_, index) =>
        envelopeFor(confirmOrderV1, { orderId: busyOrder }, { id: `bx-${index}-${suffix}` }),
      ),
    ];
    await runOrderChain(inject('kafkaBrokers'), `busy-${suffix}`, commands);

    // Act
    const pages = await allPages(`/orders/${busyOrder}/events?limit=25`, 'events');
    const exact = await get(`/orders/${busyOrder}/events?limit=62`);
    const view = await get(`/orders/${busyOrder}`);

    // Assess
    expect(pages.map((page) => page.length)).toEqual([25, 25, 12]);
    // A page that ends exactly at the end says so: no cursor to an empty page
    expect((exact.body.events as unknown[]).length).toBe(62);
    expect(exact.body).not.toHaveProperty('next');
    expect(pages.flat().map((event) => (event as { streamVersion: number }).streamVersion)).toEqual(
      Array.from({ length: 62 }, (_, index) => index + 1),
    );
    const timeline = view.body.timeline as Array<{ version: number; type: string }>;
    expect(view.body.version).toBe(62);
    expect(timeline.map((entry) => entry.version)).toEqual(
      Array.from({ length: TIMELINE_LENGTH }, (_, index) => 62 - TIMELINE_LENGTH + index + 1),
    );
    expect(new Set(timeline.map((entry) => entry.type))).toEqual(new Set(['OrderRejected']));
  }, 60_000);
});
