import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { localDynamoDbClient } from '@msk-patterns/emulator';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { itemSize, writeUnits } from '../../local/cost/item-size.js';
import { type MeteringProxy, startMeteringProxy } from '../../local/cost/metering-proxy.js';

/**
 * The cost model's DynamoDB figures come from this proxy in front of DynamoDB Local: what it reports
 * must be what DynamoDB bills (a write unit per KB, a transaction's items twice, a read that finds
 * nothing as one item's read), counted per caller and table.
 */
describe('metering proxy (DynamoDB Local)', () => {
  const table = `cost-meter-${Date.now().toString(36)}`;
  let meter: MeteringProxy;
  let documents: DynamoDBDocumentClient;

  beforeAll(async () => {
    const endpoint = inject('dynamodbEndpoint');
    await localDynamoDbClient(endpoint).send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }),
    );
    meter = await startMeteringProxy(() => endpoint);
    documents = DynamoDBDocumentClient.from(localDynamoDbClient(meter.endpointFor('payments')));
  });
  afterAll(async () => {
    documents?.destroy();
    await meter?.close();
  });

  it('counts a put by its size in KB, and a transaction’s items at twice that, per table', async () => {
    // Prepare: items of about 1.5 KB (2 units) and 100 bytes (1 unit)
    const large = { id: 'large', payload: 'x'.repeat(1500) };
    const small = { id: 'small', payload: 'x'.repeat(100) };

    // Act
    await documents.send(new PutCommand({ TableName: table, Item: large }));
    await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { ...large, id: 'large-2' } } },
          { Put: { TableName: table, Item: small } },
        ],
      }),
    );

    // Assess: the caller's name came from the endpoint's path; 2 + 1 units, doubled in the transaction
    expect(meter.usage.payments?.PutItem).toMatchObject({
      requests: 1,
      failed: 0,
      tables: { [table]: { units: 2, items: 1 } },
    });
    expect(meter.usage.payments?.TransactWriteItems).toMatchObject({
      requests: 1,
      tables: { [table]: { units: 6, items: 2 } },
    });
  });

  it('bills an update in a transaction at the larger of the item before and after', async () => {
    // Prepare: a 100-byte item grows to about 2.5 KB (3 units), a 1.5 KB one shrinks (2 units before)
    await documents.send(
      new PutCommand({ TableName: table, Item: { id: 'sku#grows', payload: 'x'.repeat(100) } }),
    );
    await documents.send(
      new PutCommand({ TableName: table, Item: { id: 'reservation#shrinks', payload: 'x'.repeat(1500) } }),
    );
    const before = meter.usage.payments?.TransactWriteItems?.tables[table]?.units ?? 0;

    // Act
    await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: { id: 'sku#grows' },
              UpdateExpression: 'SET payload = :p',
              ExpressionAttributeValues: { ':p': 'y'.repeat(2500) },
            },
          },
          {
            Update: {
              TableName: table,
              Key: { id: 'reservation#shrinks' },
              UpdateExpression: 'SET payload = :p',
              ExpressionAttributeValues: { ':p': 'small' },
            },
          },
        ],
      }),
    );

    // Assess: (3 + 2) × 2, told apart by the kind of item (its key up to `#`: a hot SKU's limit is its own)
    expect((meter.usage.payments?.TransactWriteItems?.tables[table]?.units ?? 0) - before).toBe(10);
    expect(meter.usage.payments?.TransactWriteItems?.itemKinds).toMatchObject({
      [`${table} sku`]: 6,
      [`${table} reservation`]: 4,
    });
  });

  it('documents DynamoDB Local’s own figure for a transaction, which is not DynamoDB’s', async () => {
    // Act: straight to DynamoDB Local, two 1.5 KB puts in one transaction
    const direct = DynamoDBDocumentClient.from(localDynamoDbClient(inject('dynamodbEndpoint')));
    const answer = await direct.send(
      new TransactWriteCommand({
        ReturnConsumedCapacity: 'TOTAL',
        TransactItems: ['local-1', 'local-2'].map((id) => ({
          Put: { TableName: table, Item: { id, payload: 'x'.repeat(1500) } },
        })),
      }),
    );
    direct.destroy();

    // Assess: DynamoDB bills 2 KB twice per item, 8; DynamoDB Local says 4 — why the proxy computes it
    // (docs/cost.md, "DynamoDB Local and transactions"). When this fails, DynamoDB Local changed.
    expect(answer.ConsumedCapacity?.[0]?.CapacityUnits).toBe(4);
  });

  it('sizes items as DynamoDB Local bills a single put, around the 1 KB boundary and nested', async () => {
    // Prepare: items sized by our rules at exactly 1 KB and 2 KB, and one byte more, with numbers,
    // lists and maps: DynamoDB Local agreeing on all four pins the nested rules too
    const direct = DynamoDBDocumentClient.from(localDynamoDbClient(inject('dynamodbEndpoint')));
    const shaped = (index: number, payload: string) => ({
      id: `size-${index}`,
      payload,
      amount: 12_345.678,
      lines: [{ sku: 'sku-1', quantity: 2 }, true, null],
    });
    const overhead = itemSize(marshall(shaped(0, '')));
    const items = [1024, 1025, 2048, 2049].map((bytes, index) => shaped(index, 'x'.repeat(bytes - overhead)));

    // Act
    const reported = await Promise.all(
      items.map(async (item) => {
        const answer = await direct.send(
          new PutCommand({ TableName: table, Item: item, ReturnConsumedCapacity: 'TOTAL' }),
        );
        return answer.ConsumedCapacity?.CapacityUnits;
      }),
    );
    direct.destroy();

    // Assess
    expect(items.map((item) => writeUnits(itemSize(marshall(item))))).toEqual([1, 2, 2, 3]);
    expect(reported).toEqual([1, 2, 2, 3]);
  });

  it('bills a read that finds nothing as one small item’s read, which DynamoDB Local reports as 0', async () => {
    // Act: an eventually consistent miss, then a consistent batch with one hit and one miss
    await documents.send(new GetCommand({ TableName: table, Key: { id: 'missing' } }));
    await documents.send(
      new BatchGetCommand({
        RequestItems: { [table]: { Keys: [{ id: 'small' }, { id: 'missing' }], ConsistentRead: true } },
      }),
    );

    // Assess: half a unit for the miss; the batch's hit (1) plus its consistent miss (1)
    expect(meter.usage.payments?.GetItem?.tables[table]?.units).toBe(0.5);
    expect(meter.usage.payments?.BatchGetItem?.tables[table]).toEqual({ units: 2, items: 2 });
  });

  it('counts a refused conditional write as failed, and passes the refusal back unchanged', async () => {
    // Prepare
    const { requests = 0, failed = 0 } = meter.usage.payments?.PutItem ?? {};

    // Act
    const refused = documents.send(
      new PutCommand({ TableName: table, Item: small(), ConditionExpression: 'attribute_not_exists(id)' }),
    );

    // Assess
    await expect(refused).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(meter.usage.payments?.PutItem).toMatchObject({ requests: requests + 1, failed: failed + 1 });
  });
});

const small = () => ({ id: 'small', payload: 'again' });
