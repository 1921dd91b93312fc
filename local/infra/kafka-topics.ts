import { Kafka, logLevel } from 'kafkajs';
import { topicConfigs, topicSettings } from '../../lib/contracts/topics.js';

/**
 * Create the topics of `topics` that the cluster lacks, each with the partitions and configuration the
 * stack deploys as `AWS::MSK::Topic` (lib/contracts/topics.ts: one source for both). Existing topics
 * are left as they are. Waits until every new partition has a leader.
 *
 * @param options.replicationFactor - the local broker's 1; omitted, the cluster's `default.replication.factor`
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
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: topicSettings(topic).partitions,
        ...(options.replicationFactor === undefined ? {} : { replicationFactor: options.replicationFactor }),
        configEntries: Object.entries(topicConfigs(topic)).map(([name, value]) => ({ name, value })),
      })),
    });
  } finally {
    await admin.disconnect();
  }
}
