import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  BatchProcessor,
  containerContext,
  dynamoDbConfig,
  encodeMskEvent,
  envelopeFor,
  IdempotencyStore,
  type Publisher,
  recordFor,
  STREAM_VERSION_HEADER,
} from '@msk-patterns/pipeline';
import { afterAll, describe, expect, it } from 'vitest';
import { orderProjectorConsumer } from '../../functions/orders/projector.js';
import { orderViews } from '../../functions/orders/stores.js';
import { contracts } from '../../lib/contracts/index.js';
import { orderConfirmedV1, orderPlacedV2 } from '../../lib/contracts/order-events.js';
import { contextWithTime, unique } from '../support/pipeline.js';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient(dynamoDbConfig(process.env)));
afterAll(() => documents.destroy());
const nothingToPublish: Publisher = { publish: async () => {} };
const consumerName = unique('orderProjector');
let offset = 0;

function eventsOf(orderId: string, customerId: string) {
  return {
    placed: envelopeFor(
      orderPlacedV2,
      {
        orderId,
        customerId,
        currency: 'EUR',
        items: [{ sku: 's', quantity: 2, unitPrice: 500 }],
        total: 1000,
      },
      { id: unique('e'), occurredAt: '2026-03-01T10:00:00.000Z' },
    ),
    confirmed: envelopeFor(
      orderConfirmedV1,
      { orderId },
      { id: unique('e'), occurredAt: '2026-03-01T10:05:00.000Z' },
    ),
  };
}

async function project(orderId: string, ...events: Array<[ReturnType<typeof envelopeFor>, number, number?]>) {
  const processor = new BatchProcessor(
    { ...orderProjectorConsumer, name: consumerName, retry: { maxAttempts: 2, baseDelayMs: 1 } },
    {
      store: new IdempotencyStore(documents, process.env.IDEMPOTENCY_TABLE as string),
      publisher: nothingToPublish,
      registry: contracts,
    },
  );
  const records = events.map(([envelope, version, timestamp = Date.now()]) => {
    const record = recordFor('orders.events', envelope, {
      partition: 0,
      offset: offset++,
      key: orderId,
      timestamp,
    });
    record.headers = { ...record.headers, [STREAM_VERSION_HEADER]: String(version) };
    return record;
  });
  return processor.process(encodeMskEvent(records), contextWithTime(60_000));
}

describe('order projector on DynamoDB Local', () => {
  it('builds the order view and the customer list from events in version order', async () => {
    const orderId = unique('order');
    const customerId = unique('customer');
    const { placed, confirmed } = eventsOf(orderId, customerId);

    await project(orderId, [placed, 1], [confirmed, 2]);

    const view = await orderViews(containerContext()).get(orderId);
    expect(view).toMatchObject({
      orderId,
      customerId,
      status: 'confirmed',
      total: 1000,
      currency: 'EUR',
      version: 2,
    });
    expect(view?.timeline.map((entry) => entry.type)).toEqual(['OrderPlaced', 'OrderConfirmed']);
    expect(await orderViews(containerContext()).listByCustomer(customerId)).toEqual([
      { orderId, status: 'confirmed', total: 1000, currency: 'EUR', version: 2 },
    ]);
  });

  it('skips an older or duplicate version without changing the view', async () => {
    const orderId = unique('order');
    const { placed, confirmed } = eventsOf(orderId, unique('customer'));
    await project(orderId, [placed, 1], [confirmed, 2]);
    const before = await orderViews(containerContext()).get(orderId);

    // A redriven copy of version 1 under a new message id: not an idempotency duplicate, still old
    const report = await project(orderId, [{ ...placed, id: unique('e') }, 1]);

    expect(report.response.batchItemFailures).toEqual([]);
    expect(await orderViews(containerContext()).get(orderId)).toEqual(before);
  });

  it('treats a gap as transient: the record fails (to be retried, then dead-lettered) and the view stays', async () => {
    const orderId = unique('order');
    const { placed, confirmed } = eventsOf(orderId, unique('customer'));
    await project(orderId, [placed, 1]);

    const report = await project(orderId, [confirmed, 3]);

    expect(report.records[0]).toMatchObject({ outcome: 'failed', error: { name: 'ProjectionGapError' } });
    expect(report.records[0]?.error?.message).toMatch(/view is at version 1, event .* is version 3/);
    expect((await orderViews(containerContext()).get(orderId))?.version).toBe(1);
  });

  it('dead-letters a gap that outlived PROJECTION_GAP_TIMEOUT_SECONDS, with its reason', async () => {
    const orderId = unique('order');
    const { placed, confirmed } = eventsOf(orderId, unique('customer'));
    await project(orderId, [placed, 1]);

    const report = await project(orderId, [confirmed, 3, Date.now() - 10 * 60_000]);
    expect(report.response.batchItemFailures).toEqual([]);
    expect(report.records[0]).toMatchObject({
      outcome: 'dead-lettered',
      error: { name: 'ProjectionGapExpiredError' },
    });
    expect(report.records[0]?.error?.message).toMatch(/view is at version 1, .* did not arrive within 300 s/);
  });
});
