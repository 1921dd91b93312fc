import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  BatchProcessor,
  containerContext,
  dynamoDbConfig,
  encodeMskEvent,
  envelopeFor,
  IdempotencyStore,
  recordFor,
} from '@msk-patterns/pipeline';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { orderCommandsConsumer } from '../../functions/orders/commands.js';
import { orderEventStore } from '../../functions/orders/stores.js';
import { contracts } from '../../lib/contracts/index.js';
import { cancelOrderV1, confirmOrderV1, placeOrderV1 } from '../../lib/contracts/orders.js';
import { EventStore } from '../../lib/store/event-store.js';
import { loadOrder, orderStreamId } from '../../lib/store/orders.js';
import { readTopic } from '../support/kafka.js';
import { contextWithTime, unique } from '../support/pipeline.js';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient(dynamoDbConfig(process.env)));
const table = process.env.EVENT_STORE_TABLE as string;
const publisher = containerContext().publisher;
afterAll(async () => {
  documents.destroy();
  await publisher.disconnect();
});

let offset = 0;
/** One consumer name for the file: its idempotency namespace, as one deployed function has. */
const consumerName = unique('orderCommands');

/** Run commands through the real pipeline and the orderCommands handler, one batch each. */
async function send(...commands: Array<ReturnType<typeof envelopeFor>>) {
  return sendWith(orderCommandsConsumer.handle, ...commands);
}

/** `send`, with the handler wrapped (to hold a decision until a concurrent one is made too). */
async function sendWith(
  handle: typeof orderCommandsConsumer.handle,
  ...commands: Array<ReturnType<typeof envelopeFor>>
) {
  const processor = new BatchProcessor(
    { ...orderCommandsConsumer, name: consumerName, handle },
    {
      store: new IdempotencyStore(documents, process.env.IDEMPOTENCY_TABLE as string),
      publisher,
      registry: contracts,
    },
  );
  const records = commands.map((command) =>
    recordFor('orders.commands', command, {
      partition: 0,
      offset: offset++,
      key: (command.data as { orderId: string }).orderId,
    }),
  );
  return processor.process(encodeMskEvent(records), contextWithTime(60_000));
}

const placeOrder = (orderId: string, id = unique('m')) =>
  envelopeFor(
    placeOrderV1,
    { orderId, customerId: 'c-1', currency: 'EUR', items: [{ sku: 'sku-1', quantity: 2, unitPrice: 1250 }] },
    { id, occurredAt: new Date().toISOString() },
  );

describe('event-sourced orders on DynamoDB Local', () => {
  it('appends the decided events, publishes them to orders.events in version order, and a replayed command changes nothing', async () => {
    // Prepare
    const orderId = unique('order');
    const place = placeOrder(orderId);
    const confirm = envelopeFor(confirmOrderV1, { orderId }, { id: unique('m') });

    // Act
    await send(place, confirm);
    const replay = await send(place);

    // Assess
    const { state, version } = await loadOrder(orderEventStore(containerContext()), orderId);
    expect(state).toMatchObject({ status: 'confirmed', total: 2500, currency: 'EUR' });
    expect(version).toBe(2);
    expect(replay.outcomes).toMatchObject({ duplicate: 1 });
    const published = await readTopic(
      inject('kafkaBrokers'),
      'orders.events',
      (message) => message.key === orderId,
      (matched) => matched.length >= 2,
    );
    expect(published.map((message) => JSON.parse(message.value).type)).toEqual([
      'OrderPlaced',
      'OrderConfirmed',
    ]);
  });

  it('records a refused command as an OrderRejected event, so callers learn the outcome', async () => {
    const orderId = unique('order');
    await send(
      placeOrder(orderId),
      envelopeFor(cancelOrderV1, { orderId, reason: 'customer' }, { id: unique('m') }),
    );

    await send(envelopeFor(confirmOrderV1, { orderId }, { id: unique('m') }));

    const { events } = await loadOrder(orderEventStore(containerContext()), orderId);
    expect(events.at(-1)).toMatchObject({
      streamVersion: 3,
      type: 'OrderRejected',
      version: 1,
      data: { orderId, command: 'ConfirmOrder', reason: `order ${orderId} is cancelled` },
    });
  });

  it('refuses a concurrent append of the same version (optimistic concurrency)', async () => {
    const streamId = unique('stream');
    const store = new EventStore<number>(documents, table, { snapshotEvery: 100, stateVersion: 1 });
    const event = {
      eventId: 'e',
      type: 'T',
      schemaVersion: 1,
      data: {},
      occurredAt: new Date().toISOString(),
      correlationId: 'c',
      causationId: null,
    };
    await documents.send(
      new TransactWriteCommand({ TransactItems: store.appendItems(streamId, 0, [event]) }),
    );

    const second = documents.send(
      new TransactWriteCommand({
        TransactItems: store.appendItems(streamId, 0, [{ ...event, eventId: 'f' }]),
      }),
    );

    await expect(second).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect((await store.load(streamId)).events.map((stored) => stored.eventId)).toEqual(['e']);
  });

  it('loads from a snapshot exactly the state a full replay gives, and travels back to any version or time', async () => {
    // Prepare: 125 events with a snapshot every 50; the state is the running sum of the event numbers
    const streamId = unique('counter');
    const store = new EventStore<number>(documents, table, { snapshotEvery: 50, stateVersion: 1 });
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (let version = 1; version <= 125; version++) {
      const event = {
        eventId: `e${version}`,
        type: 'Added',
        schemaVersion: 1,
        data: { n: version },
        occurredAt: new Date(start + version * 1000).toISOString(),
        correlationId: 'c',
        causationId: null,
      };
      const sum = (version * (version + 1)) / 2;
      await documents.send(
        new TransactWriteCommand({
          TransactItems: store.appendItems(streamId, version - 1, [event], () => sum),
        }),
      );
    }
    const fold = (from: number, events: Array<{ data: unknown }>) =>
      events.reduce((sum, event) => sum + (event.data as { n: number }).n, from);

    // Act
    const latest = await store.load(streamId);
    const atVersion = await store.load(streamId, { asOfVersion: 73 });
    const atTime = await store.load(streamId, { asOfTime: new Date(start + 10_500) });

    // Assess
    expect(latest.snapshot?.version).toBe(100);
    expect(latest.events).toHaveLength(25);
    expect(fold(latest.snapshot?.state ?? 0, latest.events)).toBe((125 * 126) / 2);
    expect(atVersion.snapshot?.version).toBe(50);
    expect(fold(atVersion.snapshot?.state ?? 0, atVersion.events)).toBe((73 * 74) / 2);
    expect(atTime.version).toBe(10);
    expect(fold(0, atTime.events)).toBe(55);
  });

  it('upcasts a stored v1 OrderPlaced (decimal euro strings) into the current shape on read', async () => {
    // Prepare: an event as the first version of the service wrote it (fixture)
    const orderId = unique('legacy');
    await documents.send(
      new PutCommand({
        TableName: table,
        Item: {
          streamId: `order#${orderId}`,
          version: 1,
          eventId: 'legacy-1',
          type: 'OrderPlaced',
          schemaVersion: 1,
          data: { orderId, customerId: 'c-9', items: [{ sku: 'sku-1', quantity: 3, price: '19.99' }] },
          occurredAt: '2025-06-01T12:00:00.000Z',
          correlationId: 'legacy',
          causationId: null,
        },
      }),
    );

    // Act: the current code reads and decides on it
    const { state } = await loadOrder(orderEventStore(containerContext()), orderId);
    await send(envelopeFor(confirmOrderV1, { orderId }, { id: unique('m') }));

    // Assess
    expect(state).toMatchObject({
      status: 'placed',
      currency: 'EUR',
      total: 5997,
      items: [{ sku: 'sku-1', quantity: 3, unitPrice: 1999 }],
    });
    expect((await loadOrder(orderEventStore(containerContext()), orderId)).state.status).toBe('confirmed');
  });
});

describe('concurrent commands on one order', () => {
  it('decides the loser again on fresh state: both commands leave their mark, nothing is lost or doubled', async () => {
    // Prepare: a placed order, then a confirm and a cancel processed at the same time by two containers
    const orderId = unique('order');
    await send(placeOrder(orderId));
    const confirm = envelopeFor(confirmOrderV1, { orderId }, { id: unique('m') });
    const cancel = envelopeFor(cancelOrderV1, { orderId, reason: 'customer' }, { id: unique('m') });

    // Both first decisions are made on version 1 before either commits: the race is certain
    let decided = 0;
    let bothDecided: () => void = () => {};
    const barrier = new Promise<void>((resolve) => {
      bothDecided = resolve;
    });
    const heldUntilBoth: typeof orderCommandsConsumer.handle = async (message, context) => {
      const decision = await orderCommandsConsumer.handle(message, context);
      if (context.attempt === 1 && ++decided === 2) bothDecided();
      if (context.attempt === 1) await barrier;
      return decision;
    };

    // Act
    const reports = await Promise.all([sendWith(heldUntilBoth, confirm), sendWith(heldUntilBoth, cancel)]);

    // Assess: one won; the other, re-decided after its append conflicted, was rejected on the new state
    expect(decided).toBe(2);
    expect(reports.map((report) => report.retries).sort()).toEqual([0, 1]);
    const { events, version } = await loadOrder(orderEventStore(containerContext()), orderId, {
      fromStart: true,
    });
    expect(version).toBe(3);
    const [, winner, loser] = events;
    expect([winner?.type, loser?.type]).toEqual(
      winner?.type === 'OrderConfirmed'
        ? ['OrderConfirmed', 'OrderRejected']
        : ['OrderCancelled', 'OrderRejected'],
    );
  });
});

describe('the write side’s state cache', () => {
  /** Query requests of the functions' DynamoDB client while `work` runs. */
  async function queriesDuring(work: () => Promise<unknown>): Promise<number> {
    let queries = 0;
    const client = containerContext().documentClient;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'QueryCommand') queries++;
        return next(args);
      },
      { step: 'initialize', name: 'countQueriesForTest' },
    );
    try {
      await work();
    } finally {
      client.middlewareStack.remove('countQueriesForTest');
    }
    return queries;
  }

  it('reads an order’s stream only when this container has not committed to it', async () => {
    // Prepare
    const orderId = unique('order');

    // Act
    const first = await queriesDuring(() => send(placeOrder(orderId)));
    const second = await queriesDuring(() =>
      send(envelopeFor(confirmOrderV1, { orderId }, { id: unique('m') })),
    );

    // Assess: snapshot + events for the unknown order, nothing for the one it just wrote
    expect(first).toBe(2);
    expect(second).toBe(0);
    const { events } = await loadOrder(orderEventStore(containerContext()), orderId, { fromStart: true });
    expect(events.map((event) => event.type)).toEqual(['OrderPlaced', 'OrderConfirmed']);
  });

  it('notices another container’s append: the stale decision conflicts and the retry decides on what was read', async () => {
    // Prepare: this container placed the order; another one cancels it behind its back
    const orderId = unique('order');
    await send(placeOrder(orderId));
    const store = orderEventStore(containerContext());
    await documents.send(
      new TransactWriteCommand({
        TransactItems: store.appendItems(orderStreamId(orderId), 1, [
          {
            eventId: unique('e'),
            type: 'OrderCancelled',
            schemaVersion: 1,
            data: { orderId, reason: 'another container' },
            occurredAt: new Date().toISOString(),
            correlationId: 'test',
            causationId: null,
          },
        ]),
      }),
    );

    // Act
    const report = await send(envelopeFor(confirmOrderV1, { orderId }, { id: unique('m') }));

    // Assess: no OrderConfirmed on a cancelled order
    expect(report.retries).toBe(1);
    const { events } = await loadOrder(store, orderId, { fromStart: true });
    expect(events.map((event) => event.type)).toEqual(['OrderPlaced', 'OrderCancelled', 'OrderRejected']);
  });
});
