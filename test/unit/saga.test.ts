import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_TRANSITIONS,
  isTerminal,
  MAX_DEADLINE_ATTEMPTS,
  type Saga,
  type SagaClock,
  type SagaOrder,
  type SagaStep,
  type SagaTrigger,
  transition,
} from '../../lib/domain/saga.js';

const STEP_MS = 60_000;
const order: SagaOrder = {
  orderId: 'o-1',
  customerId: 'c-1',
  currency: 'EUR',
  items: [{ sku: 'a', quantity: 2, unitPrice: 1250 }],
  total: 2500,
};

const on = {
  placed: { type: 'OrderPlaced', data: order },
  reserved: { type: 'StockReserved', data: { orderId: 'o-1' } },
  stockRejected: {
    type: 'StockRejected',
    data: { orderId: 'o-1', reason: 'out of stock (a: 2 wanted, 1 available)' },
  },
  released: { type: 'StockReleased', data: { orderId: 'o-1' } },
  committed: { type: 'StockCommitted', data: { orderId: 'o-1' } },
  paid: { type: 'PaymentCompleted', data: { orderId: 'o-1', paymentId: 'pay_1', amount: 2500 } },
  declined: { type: 'PaymentDeclined', data: { orderId: 'o-1', reason: 'over the limit' } },
  refunded: { type: 'PaymentRefunded', data: { orderId: 'o-1', amount: 2500 } },
  confirmed: { type: 'OrderConfirmed', data: { orderId: 'o-1' } },
  cancelled: { type: 'OrderCancelled', data: { orderId: 'o-1', reason: 'changed my mind' } },
  confirmRejected: {
    type: 'OrderRejected',
    data: { orderId: 'o-1', command: 'ConfirmOrder', reason: 'order o-1 is cancelled' },
  },
  deadline: { type: 'DeadlineExpired', data: { orderId: 'o-1' } },
} as const satisfies Record<string, SagaTrigger>;

/** Apply triggers in order at `now` (ms after start); returns the last saga and every step. */
function run(triggers: Array<SagaTrigger | [SagaTrigger, number]>) {
  let saga: Saga | undefined;
  const steps: SagaStep[] = [];
  for (const entry of triggers) {
    const [trigger, now] = Array.isArray(entry) ? entry : [entry, 0];
    const clock: SagaClock = { now, stepTimeoutMs: STEP_MS };
    const step = transition(saga, trigger, clock);
    steps.push(step);
    if (step.kind === 'moved') saga = step.saga;
  }
  return {
    saga: saga as Saga,
    steps,
    sent: steps.flatMap((step) => (step.kind === 'moved' ? step.commands : [])),
  };
}

const types = (commands: Array<{ type: string }>) => commands.map((command) => command.type);

describe('order saga state machine', () => {
  it('happy path: reserve → charge → confirm → completed, and the stock is committed as sold', () => {
    // Prepare / Act
    const { saga, sent } = run([on.placed, on.reserved, on.paid, on.confirmed]);
    // Assess
    expect(saga.state).toBe('completed');
    expect(types(sent)).toEqual(['ReserveStock', 'ChargePayment', 'ConfirmOrder', 'CommitStock']);
    expect(sent[1]?.data).toEqual({ orderId: 'o-1', customerId: 'c-1', amount: 2500, currency: 'EUR' });
    expect(saga.deadlineAt).toBeUndefined();
    expect(saga.outcome).toBe('confirmed: 25.00 EUR charged (pay_1)');
  });

  it('stock rejected: cancels the order and ends cancelled once OrderCancelled arrives', () => {
    const { saga, sent, steps } = run([on.placed, on.stockRejected, on.cancelled]);
    expect(types(sent)).toEqual(['ReserveStock', 'CancelOrder']);
    expect(steps[1]).toMatchObject({
      kind: 'moved',
      saga: { state: 'compensating', pending: ['OrderCancelled'] },
    });
    expect(saga.state).toBe('cancelled');
    expect(saga.outcome).toBe('stock rejected: out of stock (a: 2 wanted, 1 available)');
  });

  it('payment declined: releases the stock and cancels the order, in that order, and waits for both', () => {
    const { saga, sent } = run([on.placed, on.reserved, on.declined]);
    expect(types(sent)).toEqual(['ReserveStock', 'ChargePayment', 'ReleaseStock', 'CancelOrder']);
    expect(saga).toMatchObject({ state: 'compensating', pending: ['StockReleased', 'OrderCancelled'] });
    expect(run([on.placed, on.reserved, on.declined, on.cancelled, on.released]).saga.state).toBe(
      'cancelled',
    );
  });

  it('customer cancel while reserving: releases whatever the reservation in flight may hold, sends no CancelOrder', () => {
    const { saga, sent } = run([on.placed, on.cancelled]);
    expect(types(sent)).toEqual(['ReserveStock', 'ReleaseStock']);
    expect(saga).toMatchObject({ state: 'compensating', pending: ['StockReleased'], orderCancelled: true });
    expect(run([on.placed, on.cancelled, on.reserved, on.released]).saga.state).toBe('cancelled');
  });

  it('customer cancel while charging or confirming: refunds (a charge may be in flight) and releases', () => {
    for (const before of [[on.reserved], [on.reserved, on.paid]]) {
      const { saga, sent } = run([on.placed, ...before, on.cancelled]);
      expect(types(sent).slice(-2)).toEqual(['RefundPayment', 'ReleaseStock']);
      expect(saga.pending).toEqual(['PaymentRefunded', 'StockReleased']);
    }
    const done = run([
      on.placed,
      on.reserved,
      on.paid,
      on.cancelled,
      on.confirmRejected,
      on.refunded,
      on.released,
    ]);
    expect(done.saga.state).toBe('cancelled');
    expect(done.saga.outcome).toBe('cancelled by the customer: changed my mind');
  });

  it('deadlines: reserving and charging compensate; nothing happens before the deadline', () => {
    expect(run([on.placed, [on.deadline, STEP_MS - 1]]).steps[1]).toMatchObject({ kind: 'ignored' });
    const reserving = run([on.placed, [on.deadline, STEP_MS]]);
    expect(types(reserving.sent)).toEqual(['ReserveStock', 'ReleaseStock', 'CancelOrder']);
    expect(reserving.saga.outcome).toBe('no answer to the stock reservation within 60 s');
    const charging = run([on.placed, on.reserved, [on.deadline, STEP_MS]]);
    expect(types(charging.sent).slice(2)).toEqual(['RefundPayment', 'ReleaseStock', 'CancelOrder']);
  });

  it('deadlines: confirming asks again, a compensation is re-sent, and both give up after the attempts', () => {
    const confirming = run([on.placed, on.reserved, on.paid, [on.deadline, STEP_MS]]);
    expect(types(confirming.sent).slice(-1)).toEqual(['ConfirmOrder']);
    expect(confirming.saga).toMatchObject({ state: 'confirming', attempts: 1, deadlineAt: 2 * STEP_MS });

    const expiries = Array.from(
      { length: MAX_DEADLINE_ATTEMPTS + 1 },
      (_, index) => [on.deadline, (index + 1) * STEP_MS + 1] as [SagaTrigger, number],
    );
    const stuck = run([on.placed, on.declined, on.stockRejected, ...expiries]);
    // StockRejected → compensating (CancelOrder); three re-sends, then failed, naming what is missing.
    expect(types(stuck.sent)).toEqual([
      'ReserveStock',
      'CancelOrder',
      'CancelOrder',
      'CancelOrder',
      'CancelOrder',
    ]);
    expect(stuck.saga.state).toBe('failed');
    expect(stuck.saga.outcome).toMatch(/still waiting for OrderCancelled$/);
  });

  it('a late StockReserved or PaymentCompleted after the saga was cancelled is compensated, the saga stays cancelled', () => {
    const cancelled = run([on.placed, on.stockRejected, on.cancelled]);
    expect(cancelled.saga.state).toBe('cancelled');
    const late = run([on.placed, on.stockRejected, on.cancelled, on.reserved, on.paid]);
    expect(types(late.sent).slice(-2)).toEqual(['ReleaseStock', 'RefundPayment']);
    expect(late.saga.state).toBe('cancelled');
  });

  it('duplicates and unexpected events change nothing', () => {
    const { steps, saga } = run([
      on.placed,
      on.placed,
      on.reserved,
      on.reserved,
      on.released,
      on.refunded,
      on.confirmed,
    ]);
    expect(steps.map((step) => step.kind)).toEqual([
      'moved',
      'ignored',
      'moved',
      'ignored',
      'ignored',
      'ignored',
      'ignored',
    ]);
    expect(saga).toMatchObject({ state: 'charging', version: 2 });
    expect(transition(undefined, on.reserved, { now: 0, stepTimeoutMs: STEP_MS })).toMatchObject({
      kind: 'ignored',
    });
  });

  it('property: any order of any events never moves a finished saga, stays in the transition table, and undoes what it did', () => {
    const anyTrigger = fc.constantFrom<SagaTrigger>(...Object.values(on));
    fc.assert(
      fc.property(fc.array(anyTrigger, { maxLength: 25 }), (triggers) => {
        let saga: Saga | undefined;
        const sent: string[] = [];
        let now = 0;
        let charged = false;
        for (const trigger of [on.placed, ...triggers]) {
          now += STEP_MS / 2;
          // Money can only be taken once the saga asked for it.
          if (trigger === on.paid && sent.includes('ChargePayment')) charged = true;
          const step = transition(saga, trigger, { now, stepTimeoutMs: STEP_MS });
          if (step.kind === 'ignored') continue;
          if (saga) {
            expect(ALLOWED_TRANSITIONS[saga.state] as readonly string[]).toContain(step.saga.state);
            if (isTerminal(saga.state)) expect(step.saga.state).toBe(saga.state);
            expect(step.saga.version).toBe(saga.version + 1);
          }
          sent.push(...types(step.commands));
          saga = step.saga;
        }
        if (saga?.state === 'cancelled') {
          // Whatever may have been held or charged was undone, and the order is cancelled.
          if (charged) expect(sent).toContain('RefundPayment');
          if (triggers.includes(on.reserved)) expect(sent).toContain('ReleaseStock');
          expect(sent.includes('CancelOrder') || saga.orderCancelled).toBe(true);
        }
        if (saga?.state === 'completed') expect(sent).not.toContain('CancelOrder');
      }),
      { numRuns: 2_000 },
    );
  });
});
