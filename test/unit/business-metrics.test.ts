import { describe, expect, it } from 'vitest';
import { orderMetrics } from '../../functions/orders/metrics.js';
import { sagaMetrics } from '../../functions/saga/metrics.js';
import { type Saga, type SagaOrder, type SagaTrigger, transition } from '../../lib/domain/saga.js';

const order: SagaOrder = {
  orderId: 'o-1',
  customerId: 'c-1',
  currency: 'EUR',
  items: [{ sku: 'a', quantity: 1, unitPrice: 1250 }],
  total: 1250,
};

/** Drive the real state machine through `triggers`, one second apart: each transition's metrics. */
function metricsAlong(triggers: SagaTrigger[]) {
  let saga: Saga | undefined;
  return triggers.map((trigger, index) => {
    const now = Date.parse('2026-12-05T02:00:00Z') + index * 1_000;
    const step = transition(saga, trigger, { now, stepTimeoutMs: 60_000 });
    if (step.kind !== 'moved') throw new Error(`${trigger.type} did not move the saga: ${step.reason}`);
    saga = step.saga;
    return sagaMetrics(step, now);
  });
}

describe('business metrics of the saga and the orders', () => {
  it('counts a completed saga once, with its duration, at the transition that completes it', () => {
    const metrics = metricsAlong([
      { type: 'OrderPlaced', data: order },
      { type: 'StockReserved', data: { orderId: 'o-1' } },
      { type: 'PaymentCompleted', data: { orderId: 'o-1', paymentId: 'pay_1', amount: 1250 } },
      { type: 'OrderConfirmed', data: { orderId: 'o-1' } },
    ]);

    expect(metrics.slice(0, 3)).toEqual([[], [], []]);
    expect(metrics[3]).toEqual([
      { name: 'SagasFinished', value: 1, dimensions: { outcome: 'completed' } },
      { name: 'SagaDuration', value: 3_000, dimensions: { outcome: 'completed' } },
    ]);
  });

  it('counts the compensations a declined payment sends, then the cancelled saga with its cause', () => {
    const metrics = metricsAlong([
      { type: 'OrderPlaced', data: order },
      { type: 'StockReserved', data: { orderId: 'o-1' } },
      { type: 'PaymentDeclined', data: { orderId: 'o-1', reason: 'over the limit' } },
      { type: 'StockReleased', data: { orderId: 'o-1' } },
      { type: 'OrderCancelled', data: { orderId: 'o-1', reason: 'payment declined' } },
    ]);

    expect(metrics[2]).toEqual([{ name: 'Compensations', value: 2 }]);
    expect(metrics[3]).toEqual([]);
    expect(metrics[4]).toEqual([
      { name: 'SagasFinished', value: 1, dimensions: { outcome: 'cancelled' } },
      { name: 'SagaDuration', value: 4_000, dimensions: { outcome: 'cancelled' } },
      { name: 'SagasCancelled', value: 1, dimensions: { cause: 'payment-declined' } },
    ]);
  });

  it('counts the orders placed, confirmed, cancelled and the commands refused, and nothing else', () => {
    expect(
      orderMetrics([
        { type: 'OrderPlaced' },
        { type: 'OrderCancelled' },
        { type: 'OrderRejected' },
        { type: 'Other' },
      ]),
    ).toEqual([
      { name: 'OrdersPlaced', value: 1 },
      { name: 'OrdersCancelled', value: 1 },
      { name: 'OrderCommandsRejected', value: 1 },
    ]);
  });
});
