import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { confirmOrderV1, placeOrderV1 } from '../../lib/contracts/orders.js';
import { envelopeFor } from '../../lib/kafka/examples.js';
import { getPublisher } from '../../lib/kafka/producer.js';
import { startHttpServer } from '../../local/http-server.js';
import { loadServerlessConfig } from '../../local/infra/serverless-config.js';
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
  await getPublisher().disconnect();
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
