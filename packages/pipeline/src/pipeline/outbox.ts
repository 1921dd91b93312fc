import { ContractViolationError, LimitExceededError, PermanentError } from '../common/errors.js';
import { stableId } from '../common/ids.js';
import { type Envelope, envelopeHeaders } from '../contracts/envelope.js';
import type { ContractRegistry } from '../contracts/registry.js';
import { topicSettings } from '../contracts/topics.js';
import type { OutgoingRecord } from '../kafka/producer.js';
import { batchBudget, recordBytes } from '../kafka/record-size.js';
import { formatTraceparent, TRACEPARENT_HEADER, type TraceContext } from '../tracing/trace-context.js';
import type { OutgoingMessage } from './types.js';

/**
 * Check what a handler is about to publish on an event topic against the topic's contracts, before
 * anything commits. MSK validates nothing at produce time, so without this a producer bug would be
 * found by every consumer downstream instead of where it is made; with it, the record that caused
 * the message is dead-lettered with the reason, and nothing is written. Every message, on any topic,
 * must also fit its topic's `max.message.bytes`.
 *
 * @param registry - the service's contracts
 * @param records - what is about to be published
 * @param publishes - the topics the function may publish to (any, without it)
 * @example
 * ```ts
 * assertPublishable(contracts, outgoing, ['payments.events']);
 * // throws before anything commits if a record names another topic or breaks its contract
 * ```
 */
export function assertPublishable(
  registry: ContractRegistry,
  records: readonly OutgoingRecord[],
  publishes?: readonly string[],
): void {
  for (const record of records) {
    if (publishes && !publishes.includes(record.topic))
      throw new PermanentError(
        `a message for ${record.topic}, which this function does not publish to (it publishes to ${publishes.join(', ') || 'no topic'})`,
      );
    // A message the broker would refuse (MESSAGE_TOO_LARGE) must not be committed to an outbox that
    // could then never be published.
    const bytes = recordBytes(record);
    if (bytes > batchBudget(record.topic))
      throw new LimitExceededError(
        `the message this record produces for ${record.topic} is ${bytes} bytes; the topic takes at most ${batchBudget(record.topic)} (max.message.bytes ${topicSettings(record.topic).maxMessageBytes})`,
        'max.message.bytes',
      );
    if (!registry.validatesOnPublish(record.topic)) continue;
    try {
      registry.validate(record.topic, record.value);
    } catch (error) {
      if (!(error instanceof ContractViolationError)) throw error;
      throw new ContractViolationError(
        `the message this record produces for ${record.topic} breaks its contract: ${error.message}`,
        record.topic,
        error.messageType,
      );
    }
  }
}

/**
 * Wrap a handler's messages in envelopes. Ids derive from the cause's id and the message's position,
 * so a re-decided record produces the same ids and consumers can dedupe.
 *
 * @param cause - the message being handled: its id and correlation
 * @param messages - what the handler decided to send
 * @param now - the time of the outgoing messages
 * @param trace - the span that sends them: each record carries it as its `traceparent`
 * @example
 * ```ts
 * const records = toOutgoingRecords(message, decision.messages ?? []);
 * await publisher.publish(records); // envelopes with stable ids: a redelivery publishes the same bytes
 * ```
 */
export function toOutgoingRecords(
  cause: Pick<Envelope, 'id' | 'correlationId'>,
  messages: readonly OutgoingMessage[],
  now = new Date(),
  trace?: TraceContext,
): OutgoingRecord[] {
  const traceHeaders = trace ? { [TRACEPARENT_HEADER]: formatTraceparent(trace) } : {};
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
      headers: { ...message.headers, ...envelopeHeaders(envelope), ...traceHeaders },
    };
  });
}
