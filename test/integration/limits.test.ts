import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  BatchProcessor,
  containerContext,
  encodeMskEvent,
  envelopeFor,
  KAFKA_MESSAGE_MAX_BYTES,
  MAX_MESSAGE_BYTES,
  type MessageHandler,
  type RecordInput,
  recordFor,
} from '@msk-patterns/pipeline';
import { describe, expect, inject, it } from 'vitest';
import { inventoryConsumer, inventoryStore } from '../../functions/inventory/handler.js';
import { orderCommandsConsumer } from '../../functions/orders/commands.js';
import { MAX_ORDER_LINES } from '../../lib/contracts/fields.js';
import { contracts } from '../../lib/contracts/index.js';
import { reserveStockV1 } from '../../lib/contracts/inventory.js';
import { readTopic } from '../support/kafka.js';
import { localPipeline } from '../support/local-pipeline.js';
import { contextWithTime, placeOrderCommand, placeOrderRecord, unique } from '../support/pipeline.js';

// Each limit a record can reach, reached on purpose against DynamoDB Local and Apache Kafka, which
// enforce them as DynamoDB and MSK do: the record is dead-lettered at once with its reason (no retry,
// no failed record for the mapping to retry and send to its destination), and the next record of the
// same key is processed in the same invocation.

const { documents, store, publisher, auditTable } = localPipeline();
const brokers = inject('kafkaBrokers');

const processorFor = (handle: MessageHandler) =>
  new BatchProcessor(
    {
      name: unique('limits'),
      topics: ['orders.commands'],
      handle,
      retry: { maxAttempts: 3, baseDelayMs: 5 },
    },
    { store, publisher, registry: contracts },
  );

/** An audit row per message, with `padding` bytes in it; the second record of each test writes none. */
const auditWriter =
  (padding: (id: string) => { key?: string; bytes?: number }): MessageHandler =>
  (message) => {
    const { key, bytes } = padding(message.id);
    return {
      writes: [
        {
          Put: {
            TableName: auditTable,
            Item: { messageId: key ?? message.id, ...(bytes ? { padding: 'x'.repeat(bytes) } : {}) },
          },
        },
      ],
    };
  };

const audited = async (messageId: string) =>
  (await documents.send(new GetCommand({ TableName: auditTable, Key: { messageId }, ConsistentRead: true })))
    .Item;

/** Two records of one key: the first reaches a limit, the second is ordinary. */
function twoRecords(label: string): { first: string; second: string; records: RecordInput[] } {
  const [first, second, key] = [unique(`${label}-1`), unique(`${label}-2`), unique('k')];
  return {
    first,
    second,
    records: [
      placeOrderRecord(first, { partition: 0, offset: 0, key }),
      placeOrderRecord(second, { partition: 0, offset: 1, key }),
    ],
  };
}

describe('DynamoDB limits (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html)', () => {
  it('dead-letters at once an item above 400 KB (ValidationException), and processes the next record of its key', async () => {
    // Prepare
    const { first, second, records } = twoRecords('item');
    const handle = auditWriter((id) => (id === first ? { bytes: 410 * 1024 } : {}));

    // Act
    const report = await processorFor(handle).process(encodeMskEvent(records), contextWithTime(60_000));

    // Assess
    expect(report.records.map((record) => record.outcome)).toEqual(['dead-lettered', 'processed']);
    expect(report.records[0]?.error).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/Item size has exceeded the maximum allowed size/),
    });
    expect(report.retries).toBe(0);
    expect(report.response.batchItemFailures).toEqual([]);
    expect(await audited(second)).toBeDefined();
  });

  it('dead-letters at once a partition key above 2,048 bytes (a transaction cancelled with ValidationError)', async () => {
    // Prepare
    const { first, records } = twoRecords('key');
    const handle = auditWriter((id) => (id === first ? { key: `k${'x'.repeat(3000)}` } : {}));

    // Act
    const report = await processorFor(handle).process(encodeMskEvent(records), contextWithTime(60_000));

    // Assess
    expect(report.records.map((record) => record.outcome)).toEqual(['dead-lettered', 'processed']);
    expect(report.records[0]?.error?.name).toBe('TransactionCanceledException');
    expect(report.retries).toBe(0);
  });
});

describe("Kafka's max.message.bytes (1,048,588 bytes on MSK and on the local broker)", () => {
  it('dead-letters before committing anything a record whose message would be above the limit', async () => {
    // Prepare: the first record's event would carry 1.1 MB
    const { first, second, records } = twoRecords('message');
    const handle: MessageHandler = (message) => ({
      writes: [{ Put: { TableName: auditTable, Item: { messageId: message.id } } }],
      messages: [
        {
          topic: 'orders.events',
          key: 'k',
          type: 'OrderRejected',
          version: 1,
          data: {
            orderId: 'o',
            command: 'PlaceOrder',
            reason: message.id === first ? 'x'.repeat(1_100_000) : 'fits',
          },
        },
      ],
    });

    // Act
    const report = await processorFor(handle).process(encodeMskEvent(records), contextWithTime(60_000));

    // Assess: nothing of the first committed (no audit row, no outbox to strand), the second published
    expect(report.records.map((record) => record.outcome)).toEqual(['dead-lettered', 'processed']);
    expect(report.records[0]?.error).toMatchObject({
      name: 'LimitExceededError',
      message: expect.stringMatching(/is 11\d{5} bytes; the topic takes at most/),
    });
    expect(await audited(first)).toBeUndefined();
    expect(await audited(second)).toBeDefined();
    expect(report.published).toBe(2);
  });

  it("keeps a dead letter under the limit: an 800 KB record's letter leaves the value out, with its size and hash", async () => {
    // Prepare: 800 KB that is not JSON; base64 in Lambda's format would make a 1.09 MB letter
    const key = unique('big');
    const value = Buffer.alloc(800 * 1024, 'y');
    const event = encodeMskEvent([{ topic: 'orders.commands', partition: 1, offset: 5, key, value }]);

    // Act
    const report = await processorFor(() => ({})).process(event, contextWithTime(60_000));
    const [letter] = await readTopic(
      brokers,
      'orders.commands.dlq',
      (message) => message.key === key,
      (matched) => matched.length > 0,
    );

    // Assess: the broker took it; everything but the value is there
    expect(report.records[0]?.outcome).toBe('dead-lettered');
    expect(report.response.batchItemFailures).toEqual([]);
    expect(letter?.headers['dlq-payload-omitted']).toBe(
      `${value.length} sha256:${createHash('sha256').update(value).digest('hex')}`,
    );
    expect(Buffer.byteLength(letter?.value ?? '')).toBeLessThan(KAFKA_MESSAGE_MAX_BYTES);
    const json = JSON.parse(letter?.value ?? '{}');
    expect(json.payload.records['orders.commands-1'][0]).toMatchObject({ offset: 5, value: null });
    expect(json.errorInfo.errorType).toBe('ContractViolationError');
  });

  it('publishes the dead letters of 100 × 40 KB of garbage on one partition (4 MB) in requests that fit', async () => {
    // Prepare: one key, so every letter goes to one dead-letter partition
    const key = unique('junk');
    const event = encodeMskEvent(
      Array.from({ length: 100 }, (_, offset) => ({
        topic: 'orders.commands',
        partition: 3,
        offset,
        key,
        value: `${offset} ${'z'.repeat(40 * 1024)}`,
      })),
    );

    // Act
    const report = await processorFor(() => ({})).process(event, contextWithTime(60_000));
    const letters = await readTopic(
      brokers,
      'orders.commands.dlq',
      (message) => message.key === key,
      (matched) => matched.length >= 100,
      30_000,
    );

    // Assess
    expect(report.outcomes['dead-lettered']).toBe(100);
    expect(report.response.batchItemFailures).toEqual([]);
    expect(report.published).toBe(100);
    expect(letters.map((letter) => letter.headers['dlq-source-offset'])).toEqual(
      Array.from({ length: 100 }, (_, offset) => String(offset)),
    );
  });
});

describe('contract bounds (lib/contracts/fields.ts): refused at once, before any DynamoDB or Kafka limit is met', () => {
  const writeSide = () =>
    new BatchProcessor(
      { ...orderCommandsConsumer, name: unique('bounds'), retry: { maxAttempts: 3, baseDelayMs: 5 } },
      { store, publisher, registry: contracts },
    );

  it('dead-letters a 3,000-character order id, an order id in another key space (X#snapshot) and a 100 KB envelope id, and places the next order of the partition', async () => {
    // Prepare: three commands that could never be stored as asked, then an ordinary one, on one partition
    const good = unique('good');
    const longOrderId = placeOrderCommand(unique('long'), `o${'x'.repeat(3000)}`);
    const keySpace = placeOrderCommand(unique('hash'), `${unique('X')}#snapshot`);
    const hugeId = placeOrderCommand(`m${'9'.repeat(100 * 1024)}`, unique('huge'));
    const commands = [longOrderId, keySpace, hugeId, placeOrderCommand(unique('ok'), good)];
    const event = encodeMskEvent(
      commands.map((command, offset) =>
        recordFor('orders.commands', command, { partition: 4, offset, key: good }),
      ),
    );

    // Act
    const report = await writeSide().process(event, contextWithTime(60_000));

    // Assess: each with its reason, no retry, no failure left to the mapping
    expect(report.records.map((record) => record.outcome)).toEqual([
      'dead-lettered',
      'dead-lettered',
      'dead-lettered',
      'processed',
    ]);
    expect(report.records.slice(0, 3).map((record) => record.error?.message)).toEqual([
      expect.stringMatching(/data\.orderId.*128/),
      expect.stringMatching(/data\.orderId.*letters, digits and \. _ : - only/),
      expect.stringMatching(
        new RegExp(`value is \\d+ bytes; a message on orders.commands takes at most ${MAX_MESSAGE_BYTES}`),
      ),
    ]);
    expect(report.retries).toBe(0);
    expect(report.response.batchItemFailures).toEqual([]);
  });

  it(`reserves an order of ${MAX_ORDER_LINES} SKUs — a transaction of exactly 100 items, DynamoDB's most — and refuses one more line at once`, async () => {
    // Prepare: stock for every SKU; a ReserveStock at the bound and one above it
    const skus = Array.from({ length: MAX_ORDER_LINES + 1 }, (_, index) => unique(`sku${index}`));
    await Promise.all(skus.map((sku) => inventoryStore(containerContext()).receive(sku, 5)));
    const reserve = (orderId: string, count: number) =>
      envelopeFor(
        reserveStockV1,
        { orderId, items: skus.slice(0, count).map((sku) => ({ sku, quantity: 1 })) },
        { id: unique('reserve') },
      );
    const [atBound, above] = [unique('bound'), unique('above')];
    const event = encodeMskEvent([
      recordFor('inventory.commands', reserve(above, MAX_ORDER_LINES + 1), {
        partition: 0,
        offset: 0,
        key: above,
      }),
      recordFor('inventory.commands', reserve(atBound, MAX_ORDER_LINES), {
        partition: 0,
        offset: 1,
        key: atBound,
      }),
    ]);
    const inventory = new BatchProcessor(
      { ...inventoryConsumer, name: unique('inventory') },
      { store, publisher, registry: contracts },
    );

    // Act
    const report = await inventory.process(event, contextWithTime(60_000));

    // Assess
    expect(report.records.map((record) => record.outcome)).toEqual(['dead-lettered', 'processed']);
    expect(report.records[0]?.error?.message).toMatch(/data\.items.*98/);
    expect((await inventoryStore(containerContext()).reservation(atBound))?.status).toBe('reserved');
    expect(report.retries).toBe(0);
  });
});
