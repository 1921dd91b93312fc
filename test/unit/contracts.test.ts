import { asyncApiDocument, ContractViolationError, envelopeFor } from '@msk-patterns/pipeline';
import { describe, expect, it } from 'vitest';
import { contracts } from '../../lib/contracts/index.js';
import { placeOrderV1 } from '../../lib/contracts/orders.js';
import { ALL_TOPICS } from '../../lib/contracts/topics.js';

const placeOrder = envelopeFor(
  placeOrderV1,
  { orderId: 'o-1', customerId: 'c-1', currency: 'EUR', items: [{ sku: 's', quantity: 2, unitPrice: 1250 }] },
  { id: 'm-1' },
);

describe('ContractRegistry.validate', () => {
  it('returns the typed message with its contract', () => {
    const message = contracts.validate('orders.commands', Buffer.from(JSON.stringify(placeOrder)));
    expect(message).toMatchObject({ id: 'm-1', type: 'PlaceOrder', version: 1, contract: placeOrderV1 });
  });

  it.each([
    ['not JSON', 'nope', /^value is not JSON/],
    ['not an envelope', '{"hello":1}', /^value is not a message envelope: id:/],
    [
      'an unknown type',
      JSON.stringify({ ...placeOrder, type: 'ShipOrder' }),
      /^ShipOrder v1 is not a message of topic orders\.commands$/,
    ],
    [
      'an unknown version',
      JSON.stringify({ ...placeOrder, version: 9 }),
      /^PlaceOrder v9 is not a message of topic/,
    ],
    [
      'a fractional amount',
      JSON.stringify({
        ...placeOrder,
        data: { ...placeOrder.data, items: [{ sku: 's', quantity: 1, unitPrice: 12.5 }] },
      }),
      /^PlaceOrder v1 is invalid: data\.items\.0\.unitPrice/,
    ],
  ])('rejects %s with a ContractViolationError that says why', (_case, value, reason) => {
    expect(() => contracts.validate('orders.commands', value)).toThrow(ContractViolationError);
    expect(() => contracts.validate('orders.commands', value)).toThrow(reason);
  });

  it('says why a value is not JSON without quoting it (reasons reach logs and dead-letter headers)', () => {
    // V8 quotes the start of the input: `Unexpected token 's', "secret-car"... is not valid JSON`
    const value = 'secret-card-4111';
    expect(() => contracts.validate('orders.commands', value)).toThrow(/^value is not JSON \(16 bytes\)$/);
    expect(() => contracts.validate('orders.commands', value)).not.toThrow(/secret/);
    expect(() => contracts.validate('orders.commands', '{"card":"4111"')).toThrow(
      /^value is not JSON \(14 bytes, invalid at position 14\)$/,
    );
  });

  it('rejects a message of another topic', () => {
    expect(() => contracts.validate('payments.events', JSON.stringify(placeOrder))).toThrow(
      /is not a message of topic payments\.events/,
    );
  });
});

describe('asyncApiDocument', () => {
  it('declares every topic as a channel, with a payload schema per contract and no validation on dead-letter topics', () => {
    const document = asyncApiDocument(contracts, {
      topics: ALL_TOPICS,
      validatedTopics: ['orders.commands'],
    }) as {
      asyncapi: string;
      channels: Record<
        string,
        {
          messages?: Record<string, { payload: { required: string[] } }>;
          bindings: { kafka: Record<string, unknown> };
        }
      >;
    };
    expect(document.asyncapi).toBe('3.0.0');
    expect(Object.keys(document.channels).sort()).toEqual([...ALL_TOPICS].sort());
    const placeOrderMessage = document.channels['orders.commands']?.messages?.['PlaceOrder.v1'];
    expect(placeOrderMessage?.payload.required).toEqual(
      expect.arrayContaining(['id', 'type', 'version', 'occurredAt', 'correlationId', 'data']),
    );
    expect(document.channels['orders.commands']?.bindings.kafka).toMatchObject({
      partitions: 6,
      topicConfiguration: {
        'retention.ms': 604_800_000,
        'max.message.bytes': 1_048_588,
        'confluent.value.schema.validation': true,
      },
    });
    expect(document.channels['orders.commands.dlq']?.bindings.kafka).toMatchObject({
      partitions: 3,
      topicConfiguration: { 'retention.ms': 2_419_200_000, 'confluent.value.schema.validation': false },
    });
  });
});
