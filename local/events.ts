/**
 * `npm run generate`: writes the generated artefacts — the sample MSK events in events/ (from the
 * contracts, with the real codec) and the AsyncAPI document of lib/contracts/generated/. Never edit
 * them by hand: a test fails when the committed files differ from what this produces.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { asyncApiDocument } from '../lib/contracts/asyncapi.js';
import { envelopeFor, recordFor } from '../lib/contracts/examples.js';
import { contracts } from '../lib/contracts/index.js';
import { cancelOrderV1, placeOrderV1 } from '../lib/contracts/orders.js';
import { PRODUCE_VALIDATED_TOPICS } from '../lib/contracts/topics.js';
import { encodeMskEvent } from '../lib/kafka/codec.js';
import type { MskEvent } from '../lib/kafka/types.js';
import { LOCAL_PARTITIONS } from './infra/index.js';

const documentedCluster = {
  eventSourceArn:
    'arn:aws:kafka:eu-west-1:123456789012:cluster/orders/5a1b2c3d-0000-0000-0000-000000000000-2',
  bootstrapServers:
    'b-1.orders.abc.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.abc.kafka.eu-west-1.amazonaws.com:9098',
};

const placeOrder = envelopeFor(
  placeOrderV1,
  {
    orderId: 'order-1001',
    customerId: 'customer-42',
    currency: 'EUR',
    items: [
      { sku: 'sku-espresso', quantity: 2, unitPrice: 1250 },
      { sku: 'sku-grinder', quantity: 1, unitPrice: 8900 },
    ],
  },
  { id: '7f1d3c52-1b1e-4c8e-9a57-0c1e5b0d1001', occurredAt: '2026-01-01T00:00:00.123Z' },
);
const cancelOrder = envelopeFor(
  cancelOrderV1,
  { orderId: 'order-1001', reason: 'customer changed their mind' },
  {
    id: '7f1d3c52-1b1e-4c8e-9a57-0c1e5b0d1002',
    correlationId: placeOrder.id,
    occurredAt: '2026-01-01T00:00:05.456Z',
  },
);

/** file name (without .json) → event */
export function sampleEvents(): Record<string, MskEvent> {
  return {
    audit: encodeMskEvent(
      [
        recordFor('orders.commands', placeOrder, { partition: 0, offset: 1041, key: 'order-1001' }),
        recordFor('orders.commands', cancelOrder, { partition: 0, offset: 1042, key: 'order-1001' }),
      ],
      documentedCluster,
    ),
    orderCommands: encodeMskEvent(
      [
        recordFor('orders.commands', placeOrder, { partition: 0, offset: 1041, key: 'order-1001' }),
        recordFor('orders.commands', cancelOrder, { partition: 0, offset: 1042, key: 'order-1001' }),
      ],
      documentedCluster,
    ),
    'audit-malformed': encodeMskEvent(
      [
        recordFor('orders.commands', placeOrder, { partition: 0, offset: 1041, key: 'order-1001' }),
        {
          topic: 'orders.commands',
          partition: 0,
          offset: 1042,
          key: 'order-1001',
          value: '{"type":"PlaceOrder","this is":"not an envelope"}',
          timestamp: 1767225605456,
        },
      ],
      documentedCluster,
    ),
  };
}

export const EVENTS_DIRECTORY = fileURLToPath(new URL('../events/', import.meta.url));
export const ASYNCAPI_FILE = fileURLToPath(
  new URL('../lib/contracts/generated/asyncapi.yaml', import.meta.url),
);

/** The published AsyncAPI document (the local broker adds its server to the same document). */
export function asyncApiYaml(): string {
  return stringify(
    asyncApiDocument(contracts, { partitions: LOCAL_PARTITIONS, validatedTopics: PRODUCE_VALIDATED_TOPICS }),
    {
      aliasDuplicateObjects: false,
    },
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, event] of Object.entries(sampleEvents())) {
    writeFileSync(`${EVENTS_DIRECTORY}${name}.json`, `${JSON.stringify(event, null, 2)}\n`);
    console.log(`events/${name}.json`);
  }
  mkdirSync(dirname(ASYNCAPI_FILE), { recursive: true });
  writeFileSync(ASYNCAPI_FILE, asyncApiYaml());
  console.log('lib/contracts/generated/asyncapi.yaml');
}
