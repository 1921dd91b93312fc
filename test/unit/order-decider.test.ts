import { describe, expect, it } from 'vitest';
import { decide, type OrderCommand, type OrderEvent, replay } from '../../lib/domain/order.js';
import { type AnyOrderEvent, readOrderEvent, upcastOrderEvent } from '../../lib/domain/upcast.js';

/** Given these past events, when this command arrives, these events are decided. */
function given(events: OrderEvent[]) {
  return {
    when: (command: OrderCommand) => ({
      decides: (expected: OrderEvent[]) => expect(decide(command, replay(events))).toEqual(expected),
    }),
  };
}

const place: OrderCommand = {
  type: 'PlaceOrder',
  data: {
    orderId: 'o-1',
    customerId: 'c-1',
    currency: 'EUR',
    items: [
      { sku: 'a', quantity: 3, unitPrice: 1999 },
      { sku: 'b', quantity: 1, unitPrice: 1 },
    ],
  },
};
const placed: OrderEvent = {
  type: 'OrderPlaced',
  version: 2,
  data: { ...place.data, total: 5998 } as Extract<OrderEvent, { type: 'OrderPlaced' }>['data'],
};
const confirm: OrderCommand = { type: 'ConfirmOrder', data: { orderId: 'o-1' } };
const cancel: OrderCommand = { type: 'CancelOrder', data: { orderId: 'o-1', reason: 'changed mind' } };
const confirmed: OrderEvent = { type: 'OrderConfirmed', version: 1, data: { orderId: 'o-1' } };
const cancelled: OrderEvent = {
  type: 'OrderCancelled',
  version: 1,
  data: { orderId: 'o-1', reason: 'changed mind' },
};
const rejection = (command: OrderCommand['type'], reason: string): OrderEvent => ({
  type: 'OrderRejected',
  version: 1,
  data: { orderId: 'o-1', command, reason },
});

describe('order decider', () => {
  it('places a new order with an exact total in minor units', () => given([]).when(place).decides([placed]));
  it('rejects placing an order twice', () =>
    given([placed])
      .when(place)
      .decides([rejection('PlaceOrder', 'order o-1 already exists')]));
  it('confirms a placed order', () => given([placed]).when(confirm).decides([confirmed]));
  it('confirming twice changes nothing', () => given([placed, confirmed]).when(confirm).decides([]));
  it('cannot confirm a cancelled order', () =>
    given([placed, cancelled])
      .when(confirm)
      .decides([rejection('ConfirmOrder', 'order o-1 is cancelled')]));
  it('cannot confirm an unknown order', () =>
    given([])
      .when(confirm)
      .decides([rejection('ConfirmOrder', 'order o-1 does not exist')]));
  it('cancels a placed order', () => given([placed]).when(cancel).decides([cancelled]));
  it('cancelling twice changes nothing', () => given([placed, cancelled]).when(cancel).decides([]));
  it('cannot cancel a confirmed order', () =>
    given([placed, confirmed])
      .when(cancel)
      .decides([rejection('CancelOrder', 'order o-1 is confirmed')]));
  it('a rejection leaves the state as it was', () =>
    expect(replay([placed, rejection('PlaceOrder', 'x')])).toEqual(replay([placed])));
});

describe('upcasting OrderPlaced v1 → v2', () => {
  it('turns decimal euro strings into exact minor units, adds the currency and the total', () => {
    const v1: AnyOrderEvent = {
      type: 'OrderPlaced',
      version: 1,
      data: {
        orderId: 'o-1',
        customerId: 'c-1',
        items: [
          { sku: 'a', quantity: 3, price: '19.99' },
          { sku: 'b', quantity: 1, price: '0.01' },
        ],
      },
    };
    expect(upcastOrderEvent(v1)).toEqual(placed);
  });

  it('leaves current versions alone', () => {
    expect(upcastOrderEvent(confirmed)).toBe(confirmed);
  });
});

describe('reading a stored order event through its contract', () => {
  it('types a stored event by its type and version', () => {
    expect(readOrderEvent({ type: 'OrderConfirmed', version: 1, data: { orderId: 'o-1' } })).toEqual({
      type: 'OrderConfirmed',
      version: 1,
      data: { orderId: 'o-1' },
    });
  });

  it('refuses an unknown type or version, and data that breaks the contract, naming the field', () => {
    expect(() => readOrderEvent({ type: 'OrderShipped', version: 1, data: {} })).toThrow(
      'OrderShipped v1 is not an order event',
    );
    expect(() => readOrderEvent({ type: 'OrderPlaced', version: 3, data: {} })).toThrow(/not an order event/);
    expect(() => readOrderEvent({ type: 'OrderConfirmed', version: 1, data: { order: 'o-1' } })).toThrow(
      /OrderConfirmed v1 breaks its contract: orderId/,
    );
  });
});
