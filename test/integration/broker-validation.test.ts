import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { envelopeHeaders } from '../../lib/contracts/envelope.js';
import { orderConfirmedV1, orderPlacedV2 } from '../../lib/contracts/order-events.js';
import { envelopeFor } from '../../lib/kafka/examples.js';

const producer = new Kafka({ brokers: inject('kafkaBrokers'), logLevel: logLevel.NOTHING }).producer({
  retry: { retries: 0 },
});
beforeAll(() => producer.connect());
afterAll(() => producer.disconnect());

const confirmed = envelopeFor(
  orderConfirmedV1,
  { orderId: 'o-1' },
  { id: 'broker-validation-1', causationId: null },
);
const placed = envelopeFor(
  orderPlacedV2,
  {
    orderId: 'o-1',
    customerId: 'c-1',
    currency: 'EUR',
    items: [{ sku: 's', quantity: 1, unitPrice: 100 }],
    total: 100,
  },
  { id: 'broker-validation-2', causationId: 'command-1' },
);
const send = (topic: string, value: string, headers?: Record<string, string>) =>
  producer.send({ topic, messages: [{ key: 'o-1', value, ...(headers ? { headers } : {}) }] });

describe('the local broker enforces the contracts at produce time (AsyncAPI from lib/contracts)', () => {
  it('accepts every message type that satisfies its contract on an event topic', async () => {
    await expect(
      send('orders.events', JSON.stringify(confirmed), envelopeHeaders(confirmed)),
    ).resolves.toBeDefined();
    await expect(
      send('orders.events', JSON.stringify(placed), envelopeHeaders(placed)),
    ).resolves.toBeDefined();
  });

  it('rejects a message that breaks its contract on an event topic (INVALID_RECORD)', async () => {
    await expect(
      send('orders.events', JSON.stringify({ ...confirmed, data: { orderId: 42 } })),
    ).rejects.toThrow(/failed the validation on broker/);
    await expect(send('orders.events', JSON.stringify({ ...placed, version: 7 }))).rejects.toThrow(
      /failed the validation on broker/,
    );
  });

  it('lets anything onto a dead-letter topic and onto the externally written command topic', async () => {
    await expect(send('orders.events.dlq', 'not json at all')).resolves.toBeDefined();
    await expect(send('orders.commands', '{"not":"an envelope"}')).resolves.toBeDefined();
  });
});
