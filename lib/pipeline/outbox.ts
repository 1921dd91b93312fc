import { createHash, hash } from 'node:crypto';
import { type Envelope, envelopeHeaders } from '../contracts/envelope.js';
import type { ValidMessage } from '../contracts/registry.js';
import type { OutgoingRecord } from '../kafka/producer.js';
import type { OutgoingMessage } from './types.js';

/** A UUID-shaped id derived from `seed`: the same input always yields the same id. */
export function stableId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((Number.parseInt(hex[16] ?? '0', 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** SHA-256 of a record value; the one-shot `hash` is about twice as fast as a Hash object. */
export function payloadHash(value: Buffer | undefined): string {
  return hash('sha256', value ?? EMPTY, 'base64');
}

const EMPTY = Buffer.alloc(0);

/**
 * A participant's answer about an order on its events topic: keyed by the order id (so the order's
 * messages stay in order), in version 1 of its contract.
 */
export function orderReply(topic: string) {
  return function reply(type: string, data: { orderId: string } & Record<string, unknown>): OutgoingMessage {
    return { topic, key: data.orderId, type, version: 1, data };
  };
}

/**
 * Wrap a handler's messages in envelopes. Ids derive from the cause's id and the message's position,
 * so a re-decided record produces the same ids and consumers can dedupe.
 */
export function toOutgoingRecords(
  cause: ValidMessage,
  messages: readonly OutgoingMessage[],
  now = new Date(),
): OutgoingRecord[] {
  return messages.map((message, index) => {
    const envelope: Envelope = {
      id: stableId(`${cause.id}:${index}`),
      type: message.type,
      version: message.version,
      occurredAt: message.occurredAt ?? now.toISOString(),
      correlationId: cause.correlationId,
      causationId: cause.id,
      data: message.data,
    };
    return {
      topic: message.topic,
      key: message.key,
      value: JSON.stringify(envelope),
      headers: { ...message.headers, ...envelopeHeaders(envelope) },
    };
  });
}
