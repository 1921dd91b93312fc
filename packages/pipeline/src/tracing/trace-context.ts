import { createHash, randomBytes } from 'node:crypto';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) carried in a Kafka record's `traceparent`
 * header, as OpenTelemetry's messaging conventions carry it: `00-<trace-id>-<parent-id>-<flags>`, 32 and
 * 16 lowercase hex digits, neither all zeros.
 */
export const TRACEPARENT_HEADER = 'traceparent';

/** A consumer's processing span: its context, and the span that produced the record it processed. */
export type ProcessingSpan = TraceContext & { parentSpanId?: string };

export interface TraceContext {
  /** 32 hex digits: the same on every record and span of one order's journey */
  traceId: string;
  /** 16 hex digits: the span that produced the record */
  spanId: string;
  /** `01` when sampled */
  flags: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZEROS = /^0+$/;

/**
 * A `traceparent` header's context; undefined for a missing or malformed one (a producer that sends
 * garbage does not stop the record, its trace starts here instead).
 *
 * @param header - the header's text
 * @example
 * ```ts
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 * // { traceId: '4bf92f35…', spanId: '00f067aa0ba902b7', flags: '01' }
 * ```
 */
export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  const match = header === undefined ? null : TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, traceId = '', spanId = '', flags = ''] = match;
  if (ZEROS.test(traceId) || ZEROS.test(spanId)) return undefined;
  return { traceId, spanId, flags };
}

/**
 * The `traceparent` header of a context.
 *
 * @param context - the trace and the span that produces the record
 * @example
 * ```ts
 * headers[TRACEPARENT_HEADER] = formatTraceparent({ traceId, spanId, flags: '01' });
 * ```
 */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.flags}`;
}

/** Hex digits of a hash of `seed`, never all zeros. */
function derived(seed: string, digits: number): string {
  const hex = createHash('sha256').update(seed).digest('hex').slice(0, digits);
  return ZEROS.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/**
 * A new trace for a first message — a client's command — with a random trace id.
 *
 * @example
 * ```ts
 * producer.send({ topic, messages: [{ key, value, headers: { traceparent: formatTraceparent(newTrace()) } }] });
 * ```
 */
export function newTrace(): TraceContext {
  return { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), flags: '01' };
}

/**
 * The span in which a consumer processes a message: in the message's trace (or, for a message that
 * came without one, a trace derived from its id), with an id derived from the consumer and the
 * message — the same when the message is decided again, so that a republished outbox and a second
 * decision name the same span.
 *
 * @param incoming - the record's `traceparent`, if it had a valid one
 * @param consumer - the consumer's name
 * @param messageId - the message's id
 * @example
 * ```ts
 * const span = processingSpan(parseTraceparent(record.headers.traceparent), 'orderSaga', message.id);
 * ```
 */
export function processingSpan(
  incoming: TraceContext | undefined,
  consumer: string,
  messageId: string,
): ProcessingSpan {
  const spanId = derived(`${consumer}:${messageId}`, 16);
  if (incoming)
    return { traceId: incoming.traceId, spanId, flags: incoming.flags, parentSpanId: incoming.spanId };
  return { traceId: derived(`trace:${messageId}`, 32), spanId, flags: '01' };
}
