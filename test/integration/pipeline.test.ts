import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  BatchProcessor,
  containerContext,
  dynamoDbConfig,
  encodeMskEvent,
  IdempotencyStore,
  InProgressError,
  type MessageHandler,
  type ProcessorOptions,
  type Publisher,
} from '@msk-patterns/pipeline';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { contracts } from '../../lib/contracts/index.js';
import { readTopic } from '../support/kafka.js';
import { contextWithTime, placeOrderRecord, unique } from '../support/pipeline.js';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient(dynamoDbConfig(process.env)));
const idempotencyTable = process.env.IDEMPOTENCY_TABLE as string;
const auditTable = process.env.AUDIT_TABLE as string;
const store = new IdempotencyStore(documents, idempotencyTable);
const publisher = containerContext().publisher;
const brokers = inject('kafkaBrokers');
afterAll(async () => {
  documents.destroy();
  await publisher.disconnect();
});

function processorFor(
  handle: MessageHandler,
  options: Partial<ProcessorOptions> = {},
  sink: Publisher = publisher,
) {
  return new BatchProcessor(
    {
      name: unique('it'),
      topics: ['orders.commands'],
      handle,
      retry: { maxAttempts: 3, baseDelayMs: 5 },
      ...options,
    },
    { store, publisher: sink, registry: contracts },
  );
}

/** A handler that writes one audit item per message and sends one event: the shape of every real consumer. */
function writingHandler(calls: { count: number }, extra: { condition?: string } = {}): MessageHandler {
  return (message, { record }) => {
    calls.count++;
    return {
      writes: [
        {
          Put: {
            TableName: auditTable,
            Item: { messageId: `${message.id}`, correlationId: message.correlationId, offset: record.offset },
            ...(extra.condition ? { ConditionExpression: extra.condition } : {}),
          },
        },
      ],
      messages: [
        {
          topic: 'orders.events',
          key: record.key ?? '',
          // A valid event: the broker validates what our own producers write (packages/pipeline/src/contracts/asyncapi.ts)
          type: 'OrderConfirmed',
          version: 1,
          data: { orderId: record.key ?? message.id },
        },
      ],
    };
  };
}

const getItem = async (table: string, key: Record<string, string>) =>
  (await documents.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

describe('idempotency on DynamoDB Local', () => {
  it('skips a redelivered batch with 0 handler calls and republishes the stored messages once', async () => {
    // Prepare: a first delivery committed by one container
    const calls = { count: 0 };
    const name = unique('dup');
    const ids = [unique('m'), unique('m'), unique('m')];
    const event = encodeMskEvent(
      ids.map((id, offset) => placeOrderRecord(id, { partition: 0, offset, key: `k-${id}` })),
    );
    await processorFor(writingHandler(calls), { name }).process(event, contextWithTime(60_000));

    // Act: the mapping redelivers it to another (cold) container
    const report = await processorFor(writingHandler(calls), { name }).process(
      event,
      contextWithTime(60_000),
    );

    // Assess
    expect(calls.count).toBe(3);
    expect(report.outcomes).toMatchObject({ duplicate: 3, processed: 0 });
    expect(report.published).toBe(3);

    // Act again: a third copy, after the second's republish was confirmed and its markers told so
    const third = await processorFor(writingHandler(calls), { name }).process(event, contextWithTime(60_000));

    // Assess: still duplicates, and nothing is published again (no copy storm downstream)
    expect(third.outcomes).toMatchObject({ duplicate: 3, processed: 0 });
    expect(third.published).toBe(0);
  });

  it('reports a record’s business metrics with its commit, and nothing for its redelivery (so a dashboard never counts twice)', async () => {
    // Prepare: a handler that reports one order placed per message
    const calls = { count: 0 };
    const name = unique('metrics');
    const counting: MessageHandler = async (message, context) => ({
      ...(await writingHandler(calls)(message, context)),
      metrics: [{ name: 'OrdersPlaced', value: 1 }],
    });
    const event = encodeMskEvent([
      placeOrderRecord(unique('m'), { partition: 0, offset: 0, key: unique('k') }),
    ]);

    // Act: delivered, then delivered again to a cold container
    const first = await processorFor(counting, { name }).process(event, contextWithTime(60_000));
    const again = await processorFor(counting, { name }).process(event, contextWithTime(60_000));

    // Assess
    expect(first.records.map((record) => record.metrics)).toEqual([[{ name: 'OrdersPlaced', value: 1 }]]);
    expect(again.outcomes).toMatchObject({ duplicate: 1 });
    expect(again.records.map((record) => record.metrics)).toEqual([undefined]);
  });

  it('handles one message delivered twice in the same batch: one effect, one duplicate (found by `npm start`)', async () => {
    // Prepare: a cold container (markers are read first) and a producer retry that doubled a message
    const calls = { count: 0 };
    const id = unique('m');
    const event = encodeMskEvent([
      placeOrderRecord(id, { partition: 0, offset: 0, key: `k-${id}` }),
      placeOrderRecord(id, { partition: 0, offset: 1, key: `k-${id}` }),
    ]);

    // Act
    const report = await processorFor(writingHandler(calls)).process(event, contextWithTime(60_000));

    // Assess
    expect(report.response.batchItemFailures).toEqual([]);
    expect(report.outcomes).toMatchObject({ processed: 1, duplicate: 1 });
    expect(calls.count).toBe(1);
  });

  it('commits exactly once when two invocations process the same records at the same time', async () => {
    const calls = { count: 0 };
    const name = unique('race');
    const ids = Array.from({ length: 10 }, () => unique('m'));
    const event = encodeMskEvent(
      ids.map((id, offset) => placeOrderRecord(id, { partition: 1, offset, key: `k-${id}` })),
    );

    // Each record's handler runs in both invocations before either commits it: the race is certain
    const decided = new Map<string, number>();
    const opened = new Map<string, () => void>();
    const gates = new Map(
      ids.map((id) => [id, new Promise<void>((resolve) => opened.set(id, resolve))] as const),
    );
    const write = writingHandler(calls);
    const heldUntilBoth: MessageHandler = async (message, context) => {
      const decision = await write(message, context);
      decided.set(message.id, (decided.get(message.id) ?? 0) + 1);
      if (decided.get(message.id) === 2) opened.get(message.id)?.();
      await gates.get(message.id);
      return decision;
    };

    const [a, b] = await Promise.all([
      processorFor(heldUntilBoth, { name }).process(event, contextWithTime(60_000)),
      processorFor(heldUntilBoth, { name }).process(event, contextWithTime(60_000)),
    ]);

    expect(calls.count).toBe(20);
    expect(a.outcomes.processed + b.outcomes.processed).toBe(10);
    expect(a.outcomes.duplicate + b.outcomes.duplicate).toBe(10);
  });

  it('rolls back the marker with the writes when a business condition fails', async () => {
    // Prepare: the handler's write is conditioned on an item that does not exist
    const calls = { count: 0 };
    const name = unique('rollback');
    const id = unique('m');
    const event = encodeMskEvent([placeOrderRecord(id, { partition: 0, offset: 0, key: 'k' })]);
    const processor = processorFor(writingHandler(calls, { condition: 'attribute_exists(messageId)' }), {
      name,
    });

    // Act
    const report = await processor.process(event, contextWithTime(60_000));

    // Assess: retried as a concurrency conflict, then left for redelivery; no marker, no write
    expect(report.response.batchItemFailures).toEqual([
      { itemIdentifier: { partition: 'orders.commands-0', offset: 0 } },
    ]);
    expect(calls.count).toBe(3);
    expect(await getItem(idempotencyTable, { id: `${name}#${id}` })).toBeUndefined();
    expect(await getItem(auditTable, { messageId: id })).toBeUndefined();
  });

  it('dead-letters a message whose id was already used for a different payload', async () => {
    const name = unique('mismatch');
    const id = unique('m');
    const first = encodeMskEvent([placeOrderRecord(id, { partition: 0, offset: 0, key: 'k-a' })]);
    const reused = encodeMskEvent([placeOrderRecord(id, { partition: 0, offset: 1, key: 'k-b' })]);
    await processorFor(writingHandler({ count: 0 }), { name }).process(first, contextWithTime(60_000));

    const report = await processorFor(writingHandler({ count: 0 }), { name }).process(
      reused,
      contextWithTime(60_000),
    );

    expect(report.records[0]).toMatchObject({
      outcome: 'dead-lettered',
      error: { name: 'PayloadMismatchError' },
    });
  });

  it('dead-letters a decision larger than one DynamoDB transaction (100 items)', async () => {
    const id = unique('m');
    const tooLarge: MessageHandler = () => ({
      writes: Array.from({ length: 100 }, (_, index) => ({
        Put: { TableName: auditTable, Item: { messageId: `${id}-${index}` } },
      })),
    });

    const report = await processorFor(tooLarge).process(
      encodeMskEvent([placeOrderRecord(id, { partition: 0, offset: 0, key: 'k' })]),
      contextWithTime(60_000),
    );

    expect(report.records[0]).toMatchObject({
      outcome: 'dead-lettered',
      error: { name: 'TransactionTooLargeError' },
    });
    expect(report.records[0]?.error?.message).toMatch(/needs 101 items .* at most 100/);
  });
});

describe('claim mode on DynamoDB Local', () => {
  it('refuses a live claim as in progress and takes over an expired one', async () => {
    const key = unique('claim');
    const first = await store.claim(key, 'h', 60_000);
    expect(first.status).toBe('claimed');
    await expect(store.claim(key, 'h', 60_000)).rejects.toBeInstanceOf(InProgressError);

    const expired = unique('claim');
    await store.claim(expired, 'h', 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await store.claim(expired, 'h', 60_000)).status).toBe('claimed');
  });

  it('completes a claim with its outbox, after which the key is a duplicate that hands the outbox back', async () => {
    const key = unique('claim');
    const claim = await store.claim(key, 'h', 60_000);
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    const outbox = [{ topic: 'payments.events', key: 'o-1', value: '{}', headers: {} }];

    await store.complete(key, claim.token, [], outbox);

    expect(await store.claim(key, 'h', 60_000)).toEqual({ status: 'duplicate', outbox });
  });

  it('keeps a completed marker when a release follows a complete whose answer was lost', async () => {
    // Prepare: a complete that DynamoDB committed, though its caller saw an error and releases
    const key = unique('claim');
    const claim = await store.claim(key, 'h', 60_000);
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    const outbox = [{ topic: 'payments.events', key: 'o-2', value: '{}', headers: {} }];
    await store.complete(key, claim.token, [], outbox);

    // Act
    await store.release(key, claim.token);

    // Assess: still completed, with its outbox (before: the token survived and the release deleted it)
    expect(await store.claim(key, 'h', 60_000)).toEqual({ status: 'duplicate', outbox });
  });
});

describe('dead-letter topic and outbox on the Kafka broker', () => {
  it('writes a permanent failure to <topic>.dlq in the kafka:// destination format with source headers', async () => {
    // Prepare
    const key = unique('poison');
    const event = encodeMskEvent([
      { topic: 'orders.commands', partition: 2, offset: 77, key, value: 'not json' },
    ]);

    // Act
    const report = await processorFor(() => ({})).process(event, contextWithTime(60_000));
    const [deadLetter] = await readTopic(
      brokers,
      'orders.commands.dlq',
      (message) => message.key === key,
      (matched) => matched.length > 0,
    );

    // Assess (docs/aws-behaviours.md, "Error handling")
    expect(report.response.batchItemFailures).toEqual([]);
    expect(deadLetter?.headers).toMatchObject({
      'dlq-source-topic': 'orders.commands',
      'dlq-source-partition': '2',
      'dlq-source-offset': '77',
      'dlq-error-class': 'ContractViolationError',
    });
    const value = JSON.parse(deadLetter?.value ?? '{}');
    expect(value).toMatchObject({
      version: '1.0',
      requestContext: { condition: 'PermanentError', approximateInvokeCount: 1 },
      KafkaBatchInfo: { batchSize: 1, recordInfo: { offset: '77' } },
      payload: { eventSource: 'aws:kafka' },
    });
    expect(Buffer.from(value.payload.records['orders.commands-2'][0].value, 'base64').toString()).toBe(
      'not json',
    );
  });

  it('republishes the stored messages when a record whose publish failed is redelivered', async () => {
    // Prepare: the first publish fails after the commit
    const name = unique('republish');
    const id = unique('m');
    const event = encodeMskEvent([placeOrderRecord(id, { partition: 0, offset: 0, key: `k-${id}` })]);
    const failingOnce: Publisher = {
      publish: async () => {
        throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
      },
    };
    const first = await processorFor(writingHandler({ count: 0 }), { name }, failingOnce).process(
      event,
      contextWithTime(60_000),
    );
    expect(first.response.batchItemFailures).toHaveLength(1);

    // Act: redelivery
    const second = await processorFor(writingHandler({ count: 0 }), { name }).process(
      event,
      contextWithTime(60_000),
    );
    const published = await readTopic(
      brokers,
      'orders.events',
      (message) => JSON.parse(message.value).causationId === id,
      (matched) => matched.length > 0,
    );

    // Assess
    expect(second.outcomes).toMatchObject({ duplicate: 1 });
    expect(published).toHaveLength(1);
    expect(published[0]?.headers['message-type']).toBe('OrderConfirmed');
  });

  it('never republishes a stored outbox that names a topic the function does not publish to (a marker rewritten by someone else)', async () => {
    // Prepare: a record committed with its OrderConfirmed; then its marker's outbox rewritten into a
    // RefundPayment on payments.commands, as a role allowed to write the marker could have done
    const name = unique('tampered');
    const id = unique('m');
    const event = encodeMskEvent([placeOrderRecord(id, { partition: 0, offset: 0, key: `k-${id}` })]);
    const options = { name, publishes: ['orders.events'] };
    await processorFor(writingHandler({ count: 0 }), options).process(event, contextWithTime(60_000));
    const marker = await getItem(idempotencyTable, { id: `${name}#${id}` });
    const refund = {
      topic: 'payments.commands',
      key: 'order-1',
      value: JSON.stringify({
        id: 'r-1',
        type: 'RefundPayment',
        version: 1,
        occurredAt: new Date().toISOString(),
        correlationId: 'c',
        causationId: null,
        data: { orderId: 'order-1', reason: 'x' },
      }),
      headers: {},
    };
    await documents.send(
      new PutCommand({ TableName: idempotencyTable, Item: { ...marker, outbox: [refund] } }),
    );
    const sent: string[] = [];
    const recording: Publisher = {
      publish: async (records) => {
        sent.push(...records.map((record) => record.topic));
      },
    };

    // Act: the record is delivered again
    const report = await processorFor(writingHandler({ count: 0 }), options, recording).process(
      event,
      contextWithTime(60_000),
    );

    // Assess: dead-lettered with the reason, nothing sent but the dead letter
    expect(report.records[0]?.outcome).toBe('dead-lettered');
    expect(report.records[0]?.error?.message).toBe(
      `the stored outbox of ${name}#${id} is refused: a message for payments.commands, which this function does not publish to (it publishes to orders.events)`,
    );
    expect(sent).toEqual(['orders.commands.dlq']);
  });
});
