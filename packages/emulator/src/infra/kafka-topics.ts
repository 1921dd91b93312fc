import { topicConfigs, topicSettings } from '@msk-patterns/pipeline';
import { type Admin, type ITopicConfig, Kafka, logLevel } from 'kafkajs';
import { waitUntil } from './process.js';

/** Kafka's answers while a new topic's metadata is still on its way to the broker answering. */
const NOT_YET_KNOWN = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

const isNotYetKnown = (error: unknown) =>
  error instanceof Error && 'type' in error && NOT_YET_KNOWN.has(String(error.type));

/**
 * kafkajs' `createTopics` with its own wait replaced. On KRaft (Kafka 4: every new MSK cluster) the
 * controller answers CreateTopics once the topic is committed to the metadata log; the broker learns of
 * it a moment later and meanwhile answers Metadata with UNKNOWN_TOPIC_OR_PARTITION. kafkajs 2.2.4
 * (`waitForLeaders: true`) retries only LEADER_NOT_AVAILABLE, so it rejects although the topic was
 * created (60 creations at once on the local broker: 39 rejected, 60 topics there;
 * docs/local-infrastructure.md, "kafkajs on Kafka 4"). This waits until every partition of every topic
 * has a leader, taking both answers as "not yet".
 *
 * @param timeoutMs - how long the leaders may take @default 30000
 * @returns the topics this call created (those that existed already are left as they are)
 * @param admin - a connected kafkajs admin client
 * @param topics - the topics to create
 * @example
 * ```ts
 * const admin = new Kafka({ brokers }).admin();
 * await admin.connect();
 * await createTopicsAndWait(admin, [{ topic: 'orders.commands', numPartitions: 3 }], 30_000);
 * ```
 */
export async function createTopicsAndWait(
  admin: Admin,
  topics: ITopicConfig[],
  timeoutMs = 30_000,
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter(({ topic }) => !existing.has(topic));
  if (missing.length === 0) return [];
  await admin.createTopics({ waitForLeaders: false, topics: missing });
  const names = missing.map(({ topic }) => topic);
  await waitUntil(async () => {
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics: names });
      return described.every(({ partitions }) => partitions.every(({ leader }) => leader >= 0));
    } catch (error) {
      if (isNotYetKnown(error)) return false;
      throw error;
    }
  }, timeoutMs);
  return names;
}

/**
 * Create the topics of `topics` that the cluster lacks, each with the partitions and configuration the
 * stack deploys as `AWS::MSK::Topic` (lib/contracts/topics.ts: one source for both). Existing topics
 * are left as they are.
 *
 * @param options.replicationFactor - the local broker's 1; omitted, the cluster's `default.replication.factor`
 * @param brokers - the cluster
 * @param topics - the topics to create, with `topicSettings` partitions and configs
 * @param options - the replication factor
 * @example
 * ```ts
 * await createTopics(['127.0.0.1:9092'], ['orders.commands', 'orders.commands.dlq']);
 * ```
 */
export async function createTopics(
  brokers: readonly string[],
  topics: readonly string[],
  options: { replicationFactor?: number } = {},
): Promise<void> {
  if (topics.length === 0) return;
  const admin = new Kafka({ brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await createTopicsAndWait(
      admin,
      topics.map((topic) => ({
        topic,
        numPartitions: topicSettings(topic).partitions,
        ...(options.replicationFactor === undefined ? {} : { replicationFactor: options.replicationFactor }),
        configEntries: Object.entries(topicConfigs(topic)).map(([name, value]) => ({ name, value })),
      })),
    );
  } finally {
    await admin.disconnect();
  }
}
