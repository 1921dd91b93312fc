import {
  ConcurrencyConflictError,
  containerContext,
  IdempotencyStore,
  type OutgoingRecord,
  parseTraceparent,
  TRACEPARENT_HEADER,
} from '@msk-patterns/pipeline';
import { describe, expect, it } from 'vitest';
import { inventoryStore } from '../../functions/inventory/handler.js';
import { paymentStore } from '../../functions/payments/handler.js';
import { sweepDeadlines } from '../../functions/saga/deadlines.js';
import { sagaStore } from '../../functions/saga/store.js';
import { isTerminal, transition } from '../../lib/domain/saga.js';
import type { SagaStore } from '../../lib/store/sagas.js';
import { unique } from '../support/pipeline.js';
import {
  cancel,
  eventTypes,
  HOLDS,
  invariants,
  LIMIT,
  place,
  provider,
  saga,
  stocked,
} from '../support/saga.js';
import { SagaBus, seeded } from '../support/saga-bus.js';

describe('order saga on DynamoDB Local (functions chained in process)', () => {
  it('happy path: reserves, charges, confirms, and commits the stock as sold', async () => {
    // Prepare
    const ledger = provider();
    const sku = unique('sku');
    await stocked({ [sku]: 10 });
    const orderId = unique('order');
    const bus = new SagaBus({ provider: ledger });
    // Act
    bus.send('orders.commands', place(orderId, [{ sku, quantity: 3, unitPrice: 1250 }]));
    await bus.drain();
    // Assess
    const done = await saga(orderId);
    expect(done).toMatchObject({ state: 'completed', charged: true, reserved: true });
    expect(
      (await sagaStore(containerContext()).timeline(orderId)).map((entry) => `${entry.from}→${entry.to}`),
    ).toEqual(['none→reserving', 'reserving→charging', 'charging→confirming', 'confirming→completed']);
    expect(await eventTypes(orderId)).toEqual(['OrderPlaced', 'OrderConfirmed']);
    expect((await inventoryStore(containerContext()).stock([sku])).get(sku)).toMatchObject({
      available: 7,
      reserved: 0,
      sold: 3,
    });
    expect(await invariants([orderId], [sku], ledger)).toEqual(HOLDS);
  });

  it('out of stock: nothing is held, nothing charged, the order is cancelled with the reason', async () => {
    const ledger = provider();
    const [plenty, scarce] = await stocked({ [unique('sku')]: 10, [unique('sku')]: 1 });
    const orderId = unique('order');
    const bus = new SagaBus({ provider: ledger });

    bus.send(
      'orders.commands',
      place(orderId, [
        { sku: plenty as string, quantity: 1, unitPrice: 100 },
        { sku: scarce as string, quantity: 2, unitPrice: 100 },
      ]),
    );
    await bus.drain();

    expect(await saga(orderId)).toMatchObject({
      state: 'cancelled',
      cause: 'out-of-stock',
      outcome: `stock rejected: out of stock (${scarce}: 2 wanted, 1 available)`,
    });
    expect(await eventTypes(orderId)).toEqual(['OrderPlaced', 'OrderCancelled']);
    expect(await paymentStore(containerContext()).get(orderId)).toBeUndefined();
    expect(await invariants([orderId], [plenty as string, scarce as string], ledger)).toEqual(HOLDS);
  });

  it('payment declined: the reserved stock is released and the order cancelled', async () => {
    const ledger = provider();
    const [sku] = await stocked({ [unique('sku')]: 5 });
    const orderId = unique('order');
    const bus = new SagaBus({ provider: ledger });

    bus.send('orders.commands', place(orderId, [{ sku: sku as string, quantity: 2, unitPrice: LIMIT }]));
    await bus.drain();

    expect(await saga(orderId)).toMatchObject({
      state: 'cancelled',
      cause: 'payment-declined',
      charged: false,
    });
    expect(
      (await inventoryStore(containerContext()).stock([sku as string])).get(sku as string),
    ).toMatchObject({
      available: 5,
      reserved: 0,
    });
    expect(await invariants([orderId], [sku as string], ledger)).toEqual(HOLDS);
  });

  it('customer cancel after the charge: refunds and releases; the late PaymentCompleted moves nothing', async () => {
    const ledger = provider();
    const [sku] = await stocked({ [unique('sku')]: 5 });
    const orderId = unique('order');
    const bus = new SagaBus({ provider: ledger });
    bus.send('orders.commands', place(orderId, [{ sku: sku as string, quantity: 1, unitPrice: 2500 }]));
    for (const topic of ['orders.commands', 'orders.events', 'inventory.commands', 'inventory.events'])
      await bus.deliver(topic);
    await bus.deliver('payments.commands'); // charged; PaymentCompleted waits on payments.events

    // The customer cancels before the saga hears of the payment.
    bus.send('orders.commands', cancel(orderId));
    await bus.deliver('orders.commands');
    await bus.deliver('orders.events');
    expect(await saga(orderId)).toMatchObject({
      state: 'compensating',
      pending: ['PaymentRefunded', 'StockReleased'],
    });
    await bus.drain();

    const done = await saga(orderId);
    expect(done).toMatchObject({ state: 'cancelled', cause: 'customer-cancelled' });
    expect(await paymentStore(containerContext()).get(orderId)).toMatchObject({
      status: 'refunded',
      refunded: 2500,
    });
    expect(await invariants([orderId], [sku as string], ledger)).toEqual(HOLDS);
  });

  it('two events of one saga in one batch run in order: OrderPlaced then OrderCancelled', async () => {
    const ledger = provider();
    const [sku] = await stocked({ [unique('sku')]: 5 });
    const orderId = unique('order');
    const bus = new SagaBus({ provider: ledger });
    bus.send('orders.commands', place(orderId, [{ sku: sku as string, quantity: 1, unitPrice: 100 }]));
    bus.send('orders.commands', cancel(orderId));
    await bus.deliver('orders.commands');
    expect(bus.pending('orders.events')).toBe(2);

    await bus.deliver('orders.events'); // one batch, one key: sequential

    expect(
      (await sagaStore(containerContext()).timeline(orderId)).map(
        (entry) => `${entry.trigger.type}:${entry.to}`,
      ),
    ).toEqual(['OrderPlaced:reserving', 'OrderCancelled:compensating']);
    await bus.drain();
    expect(await saga(orderId)).toMatchObject({ state: 'cancelled', cause: 'customer-cancelled' });
  });

  it('deadline: a payment that never answers is voided, the stock released, the order cancelled; a late charge is declined', async () => {
    // Prepare: the charge command is lost on its way (withheld), so the saga waits in charging.
    const ledger = provider();
    const [sku] = await stocked({ [unique('sku')]: 5 });
    const orderId = unique('order');
    const bus = new SagaBus({ provider: ledger });
    bus.send('orders.commands', place(orderId, [{ sku: sku as string, quantity: 2, unitPrice: 700 }]));
    for (const topic of ['orders.commands', 'orders.events', 'inventory.commands', 'inventory.events'])
      await bus.deliver(topic);
    const lostCharge = bus.withhold('payments.commands');
    const waiting = await saga(orderId);
    expect(waiting.state).toBe('charging');
    const deadlineAt = waiting.deadlineAt as number;
    const sagas = sagaStore(containerContext());
    /** This saga's DeadlineExpired messages the sweeps published (other tests' overdue sagas are dropped). */
    const published = () => bus.withhold('sagas.deadlines').filter((record) => record.key === orderId);
    const unreachable = {
      publish: async () => {
        throw new Error('broker unreachable');
      },
    };

    // Act: a sweep before the deadline publishes nothing for this saga. After it, a sweep whose publish
    // fails changes nothing, so the next sweep publishes again; a repeated sweep publishes the same
    // message (same id). The orchestrator decides it through the core, once.
    await sweepDeadlines({ sagas, publisher: bus.publisher, now: deadlineAt - 1 });
    const early = published();
    const failed = await sweepDeadlines({ sagas, publisher: unreachable, now: deadlineAt + 1 }).catch(
      (error: Error) => error.message,
    );
    const afterFailedSweep = await saga(orderId);
    await sweepDeadlines({ sagas, publisher: bus.publisher, now: deadlineAt + 1 });
    await sweepDeadlines({ sagas, publisher: bus.publisher, now: deadlineAt + 1 });
    const due = published();
    bus.enqueue(due);
    await bus.deliver('sagas.deadlines');
    const afterDue = await saga(orderId);
    await bus.drain();
    bus.enqueue(lostCharge); // redriven after the refund
    await bus.drain();

    // Assess
    expect(early).toEqual([]);
    expect(failed).toBe('broker unreachable');
    expect(afterFailedSweep).toMatchObject({ state: 'charging', version: waiting.version });
    expect(due).toHaveLength(2);
    expect(new Set(due.map((record) => JSON.parse(record.value).id)).size).toBe(1);
    // both copies in the order's trace, children of the span that set the deadline
    const traceOf = (record: OutgoingRecord | undefined) =>
      parseTraceparent(String(record?.headers[TRACEPARENT_HEADER] ?? ''));
    const placed = bus.published.find((record) => record.key === orderId && record.topic === 'orders.events');
    expect(new Set(due.map((record) => traceOf(record)?.traceId))).toEqual(
      new Set([traceOf(placed)?.traceId]),
    );
    expect(new Set(due.map((record) => traceOf(record)?.spanId)).size).toBe(1);
    expect(afterDue).toMatchObject({ state: 'compensating', version: (waiting.version as number) + 1 });
    expect(await saga(orderId)).toMatchObject({
      state: 'cancelled',
      cause: 'timed-out',
      outcome: 'no answer to the payment within 300 s',
    });
    expect(await paymentStore(containerContext()).get(orderId)).toMatchObject({ status: 'voided' });
    expect(await invariants([orderId], [sku as string], ledger)).toEqual(HOLDS);
  });

  it('invariants hold after 40 orders with transient provider errors, duplicates and topics delivered in random order', async () => {
    // Prepare
    const random = seeded(20261122);
    const ledger = provider({ failureRate: 0.3, random });
    const skus = await stocked({ [unique('sku')]: 1_000, [unique('sku')]: 1_000, [unique('sku')]: 6 });
    const [a, b, scarce] = skus as [string, string, string];
    const bus = new SagaBus({ duplicateRate: 0.2, random, provider: ledger });
    const orderIds: string[] = [];
    for (let index = 0; index < 40; index++) {
      const orderId = unique(`order-${index}`);
      orderIds.push(orderId);
      const items =
        index % 4 === 1
          ? [{ sku: scarce, quantity: 1, unitPrice: 990 }]
          : index % 10 === 3
            ? [{ sku: a, quantity: 1, unitPrice: LIMIT + 1 }]
            : [
                { sku: a, quantity: 1 + (index % 3), unitPrice: 1250 },
                { sku: b, quantity: 1, unitPrice: 899 },
              ];
      bus.send('orders.commands', place(orderId, items));
      if (index % 7 === 2) bus.send('orders.commands', cancel(orderId));
    }

    // Act
    await bus.drain(5_000);

    // Assess
    const finished = await Promise.all(orderIds.map(saga));
    expect(finished.every((each) => isTerminal(each.state))).toBe(true);
    const causes = new Set(finished.map((each) => each.cause ?? each.state));
    expect([...causes].sort()).toEqual(
      ['completed', 'customer-cancelled', 'out-of-stock', 'payment-declined'].sort(),
    );
    expect(ledger.injectedFailures).toBeGreaterThan(0);
    expect(bus.stats.duplicatesInjected).toBeGreaterThan(0);
    expect(bus.stats.lost).toBe(0);
    expect(await invariants(orderIds, skus, ledger)).toEqual(HOLDS);
  }, 120_000);
});

describe('concurrent events of one saga from two topics', () => {
  it('a transition decided on a stale saga fails its (state, version) condition; decided again, it applies', async () => {
    // Prepare: the saga waits in reserving; two events are decided on that same state.
    const ledger = provider();
    const [sku] = await stocked({ [unique('sku')]: 5 });
    const orderId = unique('order');
    const bus = new SagaBus({ provider: ledger });
    bus.send('orders.commands', place(orderId, [{ sku: sku as string, quantity: 1, unitPrice: 100 }]));
    for (const topic of ['orders.commands', 'orders.events']) await bus.deliver(topic);
    const stale = await saga(orderId);
    const clock = { now: Date.now(), stepTimeoutMs: 60_000 };
    const reserved = transition(stale, { type: 'StockReserved', data: { orderId } }, clock);
    const cancelled = transition(
      stale,
      { type: 'OrderCancelled', data: { orderId, reason: 'changed my mind' } },
      clock,
    );
    if (reserved.kind !== 'moved' || cancelled.kind !== 'moved') throw new Error('both events move the saga');
    const idempotency = new IdempotencyStore(
      containerContext().documentClient,
      process.env.IDEMPOTENCY_TABLE as string,
    );
    const commit = (label: string, writes: ReturnType<SagaStore['transitionItems']>) =>
      idempotency.commit(`${orderId}:${label}`, label, writes, []);

    // Act
    await commit(
      'reserved',
      sagaStore(containerContext()).transitionItems(stale, reserved, { type: 'StockReserved' }),
    );
    const lost = commit(
      'cancelled',
      sagaStore(containerContext()).transitionItems(stale, cancelled, { type: 'OrderCancelled' }),
    );
    await expect(lost).rejects.toBeInstanceOf(ConcurrencyConflictError);
    const fresh = await saga(orderId);
    const again = transition(
      fresh,
      { type: 'OrderCancelled', data: { orderId, reason: 'changed my mind' } },
      clock,
    );
    if (again.kind !== 'moved') throw new Error('the cancel still moves the saga');
    await commit(
      'cancelled',
      sagaStore(containerContext()).transitionItems(fresh, again, { type: 'OrderCancelled' }),
    );

    // Assess: decided on charging, the cancel now refunds as well as releases.
    expect(await saga(orderId)).toMatchObject({
      state: 'compensating',
      version: 3,
      pending: ['PaymentRefunded', 'StockReleased'],
    });
  });

  it('racing invocations of the saga leave contiguous versions and nothing held', async () => {
    const ledger = provider();
    const [sku] = await stocked({ [unique('sku')]: 5 });
    const orderId = unique('order');
    const bus = new SagaBus({ provider: ledger });
    bus.send('orders.commands', place(orderId, [{ sku: sku as string, quantity: 1, unitPrice: 100 }]));
    for (const topic of ['orders.commands', 'orders.events', 'inventory.commands']) await bus.deliver(topic);
    bus.send('orders.commands', cancel(orderId));
    await bus.deliver('orders.commands');

    // OrderCancelled and StockReserved reach two invocations of the saga at the same time, and both
    // read the saga before either writes: the first two reads wait for each other.
    const store = sagaStore(bus.service);
    const get = store.get.bind(store);
    let reads = 0;
    let bothRead: () => void = () => {};
    const barrier = new Promise<void>((resolve) => {
      bothRead = resolve;
    });
    store.get = async (id) => {
      const loaded = await get(id);
      if (id === orderId && ++reads <= 2) {
        if (reads === 2) bothRead();
        await barrier;
      }
      return loaded;
    };
    try {
      await Promise.all([bus.deliver('orders.events'), bus.deliver('inventory.events')]);
    } finally {
      store.get = get;
    }
    await bus.drain();

    // The race happened: two decisions on the same version, the loser read the saga again (a third
    // read) after its (state, version) condition failed.
    expect(reads).toBeGreaterThanOrEqual(3);

    const timeline = await sagaStore(containerContext()).timeline(orderId);
    expect(timeline.map((entry) => entry.version)).toEqual(timeline.map((_, index) => index + 1));
    expect(await saga(orderId)).toMatchObject({ state: 'cancelled', cause: 'customer-cancelled' });
    expect(
      (await inventoryStore(containerContext()).stock([sku as string])).get(sku as string),
    ).toMatchObject({
      available: 5,
      reserved: 0,
    });
  });
});
