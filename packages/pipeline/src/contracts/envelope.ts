import * as z from 'zod/mini';
import { entityId } from './fields.js';

/**
 * The largest message value a contract accepts, checked before it is parsed. A message is kept in an
 * idempotency marker's outbox beside the others its cause produced (an item takes 400 KB at most) and
 * embedded in a dead letter (a topic takes 1 MB): 64 KiB leaves room for both; the largest valid
 * message, an order of 98 lines, is about 9 KB.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Every message value is this JSON envelope; `data` is checked against the message type's contract. */
export const envelopeSchema = z.object({
  /** a key part of every idempotency marker: bounded and `#`-free like an entity id */
  id: entityId,
  type: z.string().check(z.minLength(1), z.maxLength(64)),
  version: z.int().check(z.positive()),
  occurredAt: z.iso.datetime({ offset: true }),
  correlationId: entityId,
  causationId: z.nullable(entityId),
  data: z.unknown(),
});

export type Envelope<TData = unknown> = Omit<z.infer<typeof envelopeSchema>, 'data'> & { data: TData };

/** Kafka headers that mirror envelope fields, so routing and tracing need not parse the value. */
export const ENVELOPE_HEADERS = {
  id: 'message-id',
  type: 'message-type',
  correlationId: 'correlation-id',
} as const;

/** On events published from an event store: the event's version in its stream (projectors order by it). */
export const STREAM_VERSION_HEADER = 'stream-version';

/**
 * The Kafka headers every published message carries from its envelope (id, type, correlation id).
 *
 * @param envelope - the message's envelope
 * @example
 * ```ts
 * envelopeHeaders(envelope); // the id, type and correlation id as Kafka headers (ENVELOPE_HEADERS names them)
 * ```
 */
export function envelopeHeaders(
  envelope: Pick<Envelope, 'id' | 'type' | 'correlationId'>,
): Record<string, string> {
  return {
    [ENVELOPE_HEADERS.id]: envelope.id,
    [ENVELOPE_HEADERS.type]: envelope.type,
    [ENVELOPE_HEADERS.correlationId]: envelope.correlationId,
  };
}
