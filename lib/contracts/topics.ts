/**
 * The one list of Kafka topics. Every source topic T has a dead-letter topic T.dlq (DESIGN.md).
 * The local broker, serverless.yml destinations and the contracts all derive from this list.
 */
export const SOURCE_TOPICS = [
  'orders.commands',
  'orders.events',
  'inventory.commands',
  'inventory.events',
  'payments.commands',
  'payments.events',
] as const;

export type SourceTopic = (typeof SOURCE_TOPICS)[number];

export const DEAD_LETTER_SUFFIX = '.dlq';

export function deadLetterTopic(topic: string): string {
  return `${topic}${DEAD_LETTER_SUFFIX}`;
}

export function isDeadLetterTopic(topic: string): boolean {
  return topic.endsWith(DEAD_LETTER_SUFFIX);
}

/** Source topics followed by their dead-letter topics. */
export const ALL_TOPICS: readonly string[] = [...SOURCE_TOPICS, ...SOURCE_TOPICS.map(deadLetterTopic)];

/**
 * Topics that only this project's functions write to: locally the broker rejects a message that
 * breaks its contract at produce time, so a producer bug fails where it is made. Topics that outside
 * callers write to (orders.commands) stay open: the consumer defends itself and dead-letters.
 */
export const PRODUCE_VALIDATED_TOPICS: readonly SourceTopic[] = [
  'orders.events',
  'inventory.events',
  'payments.events',
];
