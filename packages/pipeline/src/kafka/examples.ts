import { type Envelope, envelopeHeaders } from '../contracts/envelope.js';
import type { MessageContract } from '../contracts/registry.js';
import type { RecordInput } from './types.js';

export interface EnvelopeOptions {
  id: string;
  correlationId?: string;
  causationId?: string | null;
  occurredAt?: string;
}

/**
 * An envelope for `data` under `contract`; everything not given is derived from the id.
 *
 * @param contract - the message's contract
 * @param data - its data
 * @param options - its id, correlation and time
 * @example
 * ```ts
 * const envelope = envelopeFor(placeOrderV1, { orderId: 'order-1', customerId: 'c-1', currency: 'EUR', items });
 * ```
 */
export function envelopeFor<TData>(
  contract: MessageContract<TData>,
  data: TData,
  options: EnvelopeOptions,
): Envelope<TData> {
  return {
    id: options.id,
    type: contract.type,
    version: contract.version,
    occurredAt: options.occurredAt ?? '2026-01-01T00:00:00.000Z',
    correlationId: options.correlationId ?? options.id,
    causationId: options.causationId ?? null,
    data,
  };
}

/**
 * A Kafka record carrying `envelope`, with the mirrored headers, as a producer would write it.
 *
 * @param topic - the topic
 * @param envelope - the message
 * @param placement - partition, offset, key and time
 * @example
 * ```ts
 * const input = recordFor('orders.commands', envelope, { partition: 0, offset: 7 });
 * ```
 */
export function recordFor(
  topic: string,
  envelope: Envelope,
  placement: { partition: number; offset: number; key: string; timestamp?: number },
): RecordInput {
  return {
    topic,
    partition: placement.partition,
    offset: placement.offset,
    key: placement.key,
    value: JSON.stringify(envelope),
    headers: envelopeHeaders(envelope),
    timestamp: placement.timestamp ?? Date.parse(envelope.occurredAt),
  };
}
