import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/audit/handler.js';
import { encodeMskEvent } from '../../lib/kafka/codec.js';
import { dynamoDbConfig } from '../../lib/store/dynamodb.js';

const context = { getRemainingTimeInMillis: () => 60_000 } as Context;
const client = DynamoDBDocumentClient.from(new DynamoDBClient(dynamoDbConfig()));
afterAll(() => client.destroy());

async function auditItemsOf(topicPartition: string) {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: process.env.AUDIT_TABLE }));
  return Items.filter((item) => String(item.recordId).startsWith(topicPartition)).sort(
    (a, b) => a.offset - b.offset,
  );
}

describe('audit slice on DynamoDB Local', () => {
  it('writes each record of an MSK event once, decoded, with its headers', async () => {
    // Prepare: partition 7 is used by this test only
    const event = encodeMskEvent([
      {
        topic: 'orders.commands',
        partition: 7,
        offset: 10,
        key: 'order-1',
        value: '{"n":1}',
        headers: { 'x-source': 'café' },
      },
      { topic: 'orders.commands', partition: 7, offset: 11, key: 'order-2', value: '{"n":2}' },
    ]);

    // Act
    const result = await handler(event, context);

    // Assess
    expect(result).toEqual({ written: 2, duplicates: 0, batchItemFailures: [] });
    const items = await auditItemsOf('orders.commands:7:');
    expect(items.map((item) => [item.recordId, item.key, item.value])).toEqual([
      ['orders.commands:7:10', 'order-1', '{"n":1}'],
      ['orders.commands:7:11', 'order-2', '{"n":2}'],
    ]);
    expect(items[0]?.headers).toEqual({ 'x-source': 'café' });
  });

  it('changes nothing when the same batch is delivered again (at-least-once redelivery)', async () => {
    // Prepare
    const event = encodeMskEvent([
      { topic: 'orders.commands', partition: 8, offset: 0, key: 'order-3', value: '{"n":3}', timestamp: 1 },
    ]);
    await handler(event, context);
    const before = await auditItemsOf('orders.commands:8:');

    // Act: Lambda retries a whole batch after a failure or timeout (msk-lambda-semantics.md §2)
    const replay = await handler({ ...event, records: structuredClone(event.records) }, context);

    // Assess
    expect(replay).toEqual({ written: 0, duplicates: 1, batchItemFailures: [] });
    expect(await auditItemsOf('orders.commands:8:')).toEqual(before);
  });

  it('rejects an event that is not an MSK event with an error naming the problem', async () => {
    await expect(handler({ eventSource: 'aws:sqs', records: {} }, context)).rejects.toThrow(
      /not an MSK event: eventSource/,
    );
  });
});
