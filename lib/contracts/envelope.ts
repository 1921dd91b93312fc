import * as z from 'zod/mini';

/** Every message value is this JSON envelope; `data` is checked against the message type's contract. */
export const envelopeSchema = z.object({
  id: z.string().check(z.minLength(1)),
  type: z.string().check(z.minLength(1)),
  version: z.int().check(z.positive()),
  occurredAt: z.iso.datetime({ offset: true }),
  correlationId: z.string().check(z.minLength(1)),
  causationId: z.nullable(z.string().check(z.minLength(1))),
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

export function envelopeHeaders(
  envelope: Pick<Envelope, 'id' | 'type' | 'correlationId'>,
): Record<string, string> {
  return {
    [ENVELOPE_HEADERS.id]: envelope.id,
    [ENVELOPE_HEADERS.type]: envelope.type,
    [ENVELOPE_HEADERS.correlationId]: envelope.correlationId,
  };
}
