/**
 * How topics are named and configured, for every topic a pipeline reads or writes: each source topic
 * T has a dead-letter topic T.dlq, and each class of topic one set of settings, the same in a
 * deployed cluster and on the local broker.
 */
export const DEAD_LETTER_SUFFIX = '.dlq';

/**
 * A source topic's dead-letter topic: `<topic>.dlq`.
 *
 * @param topic - a source topic
 * @example
 * ```ts
 * deadLetterTopic('orders.commands'); // 'orders.commands.dlq'
 * ```
 */
export function deadLetterTopic(topic: string): string {
  return `${topic}${DEAD_LETTER_SUFFIX}`;
}

/**
 * Whether a topic is a dead-letter topic (`<topic>.dlq`).
 *
 * @param topic - a topic
 * @example
 * ```ts
 * isDeadLetterTopic('orders.commands.dlq'); // true
 * ```
 */
export function isDeadLetterTopic(topic: string): boolean {
  return topic.endsWith(DEAD_LETTER_SUFFIX);
}

/**
 * The largest record batch a broker accepts, in bytes: Apache Kafka's default `message.max.bytes`,
 * which Amazon MSK keeps (https://docs.aws.amazon.com/msk/latest/developerguide/msk-default-configuration.html
 * lists no other value). Every topic sets it as `max.message.bytes`, so that the limit is the same on
 * MSK and on the local broker whatever the cluster's configuration says.
 */
export const KAFKA_MESSAGE_MAX_BYTES = 1_048_588;

/** How a class of topics is created, in a deployed cluster and on the local broker. */
export interface TopicSettings {
  partitions: number;
  /** how long the broker keeps a record */
  retentionHours: number;
  /** the largest record batch the topic accepts (`max.message.bytes`) */
  maxMessageBytes: number;
  /**
   * how often the broker starts a new log segment (`segment.ms`): retention deletes whole segments,
   * so a record can outlive `retentionHours` by up to this much
   */
  segmentHours: number;
}

/**
 * Per topic class. Commands and events: 6 partitions (the mapping's pollers scale up to the partition
 * count) and 7 days, longer than any mapping's MaximumRecordAgeInSeconds. Dead letters: 3 partitions
 * and 28 days, time for an operator to look and redrive.
 */
export const TOPIC_SETTINGS = {
  source: {
    partitions: 6,
    retentionHours: 7 * 24,
    maxMessageBytes: KAFKA_MESSAGE_MAX_BYTES,
    segmentHours: 24,
  },
  deadLetter: {
    partitions: 3,
    retentionHours: 28 * 24,
    maxMessageBytes: KAFKA_MESSAGE_MAX_BYTES,
    segmentHours: 24,
  },
} as const satisfies Record<string, TopicSettings>;

/**
 * The oldest a record can be when its mapping gives up on it: the largest MaximumRecordAgeInSeconds
 * Lambda accepts, 604,800 s (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html).
 * A deployment should refuse a mapping without a finite one: the idempotency markers' lifetime is
 * derived from it.
 */
export const MAX_RECORD_AGE_HOURS = 7 * 24;

/**
 * A topic's partitions, retention, record size limit and segment time: dead-letter topics keep their
 * records longer, on fewer partitions.
 *
 * @param topic - a topic
 * @example
 * ```ts
 * topicSettings('orders.events'); // its partitions, retention, segment hours and max.message.bytes
 * ```
 */
export function topicSettings(topic: string): TopicSettings {
  return isDeadLetterTopic(topic) ? TOPIC_SETTINGS.deadLetter : TOPIC_SETTINGS.source;
}

/**
 * A topic's configuration as Kafka names it: what `AWS::MSK::Topic` deploys and the local broker gets.
 *
 * @param topic - a topic
 * @example
 * ```ts
 * topicConfigs('orders.events'); // { 'retention.ms': …, 'max.message.bytes': …, 'segment.ms': … }
 * ```
 */
export function topicConfigs(topic: string): Record<string, string> {
  const { retentionHours, maxMessageBytes, segmentHours } = topicSettings(topic);
  return {
    'retention.ms': String(retentionHours * 3_600_000),
    'max.message.bytes': String(maxMessageBytes),
    'segment.ms': String(segmentHours * 3_600_000),
  };
}
