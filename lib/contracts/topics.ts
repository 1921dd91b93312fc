import { COMPATIBILITY, type Compatibility, deadLetterTopic } from '@msk-patterns/pipeline';

/**
 * The one list of Kafka topics. Every source topic T has a dead-letter topic T.dlq (docs/architecture.md).
 * The local broker, serverless.yml destinations and the contracts all derive from this list.
 */
export const SOURCE_TOPICS = [
  'orders.commands',
  'orders.events',
  'inventory.commands',
  'inventory.events',
  'payments.commands',
  'payments.events',
  // Due saga deadlines, as messages: the sweep publishes them, the orchestrator handles them like any
  // event (idempotent, retried, redelivered after a crash).
  'sagas.deadlines',
] as const;

export type SourceTopic = (typeof SOURCE_TOPICS)[number];

/** Source topics followed by their dead-letter topics. */
export const ALL_TOPICS: readonly string[] = [...SOURCE_TOPICS, ...SOURCE_TOPICS.map(deadLetterTopic)];

/**
 * The event topics: what this service states happened, written only by its own functions. Locally the
 * broker rejects a message that breaks its contract at produce time, so a producer bug fails where it
 * is made. Command topics stay open: they are requests that anyone may send (clients, the saga,
 * operators redriving dead letters, tests using them as scratch topics), MSK validates nothing, and
 * their consumers defend themselves — contract check, then the dead-letter topic.
 */
export const PRODUCE_VALIDATED_TOPICS: readonly SourceTopic[] = [
  'orders.events',
  'inventory.events',
  'payments.events',
  'sagas.deadlines',
];

/**
 * Per topic: commands are read by one service that upgrades before its clients (BACKWARD: the new
 * schema reads what old producers wrote); events fan out to consumers that upgrade on their own
 * schedules (FULL: new readers read old data and old readers read new data).
 */
export const TOPIC_COMPATIBILITY: Record<SourceTopic, Compatibility> = {
  'orders.commands': COMPATIBILITY.backward,
  'orders.events': COMPATIBILITY.full,
  'inventory.commands': COMPATIBILITY.backward,
  'inventory.events': COMPATIBILITY.full,
  'payments.commands': COMPATIBILITY.backward,
  'payments.events': COMPATIBILITY.full,
  'sagas.deadlines': COMPATIBILITY.full,
};
