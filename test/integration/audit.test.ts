import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/audit/handler.js';
import { placeOrderV1 } from '../../lib/contracts/orders.js';
import { encodeMskEvent } from '../../lib/kafka/codec.js';
import { envelopeFor, recordFor } from '../../lib/kafka/examples.js';
import { dynamoDbConfig } from '../../lib/store/dynamodb.js';
import { lambdaContext } from '../../local/runner/lambda-context.js';

const client = DynamoDBDocumentClient.from(new DynamoDBClient(dynamoDbConfig()));
afterAll(() => client.destroy());

async function auditItemsOf(correlationId: string) {
  const { Items = [] } = await client.send(
    new ScanCommand({
      TableName: process.env.AUDIT_TABLE,
      FilterExpression: 'correlationId = :c',
      ExpressionAttributeValues: { ':c': correlationId },
    }),
  );
  return Items.sort((a, b) => a.offset - b.offset);
}

function placeOrder(id: string, correlationId: string) {
  return envelopeFor(
    placeOrderV1,
    {
      orderId: `order-${id}`,
      customerId: 'c-1',
      currency: 'EUR',
      items: [{ sku: 's', quantity: 1, unitPrice: 100 }],
    },
    { id, correlationId },
  );
}

describe('audit function on the core pipeline (DynamoDB Local)', () => {
  it('writes each command of an MSK event once, keyed by message id', async () => {
    // Prepare
    const event = encodeMskEvent([
      recordFor('orders.commands', placeOrder('audit-a1', 'audit-a'), {
        partition: 0,
        offset: 10,
        key: 'order-audit-a1',
      }),
      recordFor('orders.commands', placeOrder('audit-a2', 'audit-a'), {
        partition: 1,
        offset: 11,
        key: 'order-audit-a2',
      }),
    ]);

    // Act
    const response = await handler(event, lambdaContext('audit', 60));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const items = await auditItemsOf('audit-a');
    expect(items.map((item) => [item.messageId, item.type, item.partition, item.offset])).toEqual([
      ['audit-a1', 'PlaceOrder', 0, 10],
      ['audit-a2', 'PlaceOrder', 1, 11],
    ]);
  });

  it('changes nothing when the same batch is delivered again (at-least-once redelivery, docs/aws-behaviours.md, "Batching, ordering and offsets")', async () => {
    // Prepare
    const event = encodeMskEvent([
      recordFor('orders.commands', placeOrder('audit-b1', 'audit-b'), {
        partition: 2,
        offset: 0,
        key: 'order-audit-b1',
      }),
    ]);
    await handler(event, lambdaContext('audit', 60));
    const before = await auditItemsOf('audit-b');

    // Act
    const replay = await handler(structuredClone(event), lambdaContext('audit', 60));

    // Assess
    expect(replay).toEqual({ batchItemFailures: [] });
    expect(await auditItemsOf('audit-b')).toEqual(before);
    expect(before).toHaveLength(1);
  });

  it('rejects an event that is not an MSK event with an error naming the problem', async () => {
    await expect(
      handler({ eventSource: 'aws:sqs', records: {} }, lambdaContext('audit', 60)),
    ).rejects.toThrow(/not an MSK event: eventSource/);
  });
});
