import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { lambdaContext } from '@msk-patterns/emulator';
import {
  BatchProcessor,
  containerContext,
  dynamoDbConfig,
  encodeMskEvent,
  envelopeFor,
  IdempotencyStore,
  recordFor,
} from '@msk-patterns/pipeline';
import { afterAll, describe, expect, it } from 'vitest';
import { auditConsumer, handler } from '../../functions/audit/handler.js';
import { contracts } from '../../lib/contracts/index.js';
import { placeOrderV1 } from '../../lib/contracts/orders.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { contextWithTime, recordingPublisher } from '../support/pipeline.js';

const client = DynamoDBDocumentClient.from(new DynamoDBClient(dynamoDbConfig(process.env)));
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

  it('keeps the first row when the same command comes again at another offset (a redelivery or a redrive, docs/aws-behaviours.md, "Batching, ordering and offsets")', async () => {
    // Prepare: the command audited at offset 0 of partition 2
    const command = placeOrder('audit-b1', 'audit-b');
    const at = (offset: number) =>
      encodeMskEvent([
        recordFor('orders.commands', command, { partition: 2, offset, key: 'order-audit-b1' }),
      ]);
    await handler(at(0), lambdaContext('audit', 60));

    // Act: the same message redriven (offset 7); an unguarded put would rewrite the row's offset
    const replay = await handler(at(7), lambdaContext('audit', 60));

    // Assess
    expect(replay).toEqual({ batchItemFailures: [] });
    expect((await auditItemsOf('audit-b')).map((item) => [item.messageId, item.offset])).toEqual([
      ['audit-b1', 0],
    ]);
  });

  it('after its marker expired (36 days), dead-letters another command reusing its id and takes the same command again without a change (DynamoDB TTL: the marker is gone, the audit row is not)', async () => {
    // Prepare: audited today; then a consumer whose clock is 40 days on, when the marker has expired
    const first = placeOrder('audit-c1', 'audit-c');
    await handler(
      encodeMskEvent([
        recordFor('orders.commands', first, { partition: 0, offset: 0, key: 'order-audit-c1' }),
      ]),
      lambdaContext('audit', 60),
    );
    const later = new BatchProcessor(auditConsumer, {
      store: new IdempotencyStore(client, containerContext().tableName(TABLE_VARIABLES.idempotency), {
        now: () => Date.now() + 40 * 86_400_000,
      }),
      publisher: recordingPublisher(),
      registry: contracts,
    });
    const reused = {
      ...first,
      correlationId: 'audit-c',
      data: { ...first.data, customerId: 'someone-else' },
    };

    // Act
    const report = await later.process(
      encodeMskEvent([
        recordFor('orders.commands', reused, { partition: 0, offset: 1, key: 'order-audit-c1' }),
        recordFor('orders.commands', first, { partition: 0, offset: 2, key: 'order-audit-c1' }),
      ]),
      contextWithTime(60_000),
    );

    // Assess: the reuse is refused with its reason; the same message is done; the row is the first's
    expect(report.records.map((record) => record.outcome)).toEqual(['dead-lettered', 'processed']);
    expect(report.records[0]?.error?.message).toBe(
      'message id audit-c1 was audited before for another PlaceOrder message: ids are not reused',
    );
    const rows = await auditItemsOf('audit-c');
    expect(rows.map((item) => [item.offset, item.data.customerId])).toEqual([[0, 'c-1']]);
  });

  it('rejects an event that is not an MSK event with an error naming the problem', async () => {
    await expect(
      handler({ eventSource: 'aws:sqs', records: {} }, lambdaContext('audit', 60)),
    ).rejects.toThrow(/not an MSK event: eventSource/);
  });
});
