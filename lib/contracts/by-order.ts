import type { OutgoingMessage } from '@msk-patterns/pipeline';

/**
 * A participant's answer about an order on its events topic: keyed by the order id (so the order's
 * messages stay in order), in version 1 of its contract.
 */
export function orderReply(topic: string) {
  return function reply(type: string, data: { orderId: string } & Record<string, unknown>): OutgoingMessage {
    return { topic, key: data.orderId, type, version: 1, data };
  };
}

/** Orders are keyed by their id on every orders topic, so that each order's messages stay in order. */
export const keyedByOrderId = (data: Record<string, unknown>) => String(data.orderId);
