import { topicConfigs, topicSettings } from '@msk-patterns/pipeline';
import { logicalName } from './arns.js';
import type { Resource } from './types.js';

/**
 * The logical id of a topic's `AWS::MSK::Topic`: `orders.commands` → `TopicOrdersCommands`.
 *
 * @param topic - a topic
 */
export const topicLogicalId = (topic: string): string => `Topic${logicalName(topic)}`;

/**
 * One `AWS::MSK::Topic` per topic, dead-letter topics included, with the partitions and configuration
 * of `topicSettings` (the same the local broker gets). The MSK topic
 * APIs behind this resource need an MSK Provisioned cluster on Kafka 3.6.0 or later
 * (https://docs.aws.amazon.com/msk/latest/developerguide/msk-topic-operations.html). `Configs` is the
 * topic configuration as Java properties text, base64-encoded.
 *
 * @param clusterArn - the cluster
 * @param replicationFactor - replicas per topic
 * @param topics - the topics, dead-letter topics included
 */
export function topicResources(
  clusterArn: string,
  replicationFactor: number,
  topics: readonly string[],
): Record<string, Resource> {
  return Object.fromEntries(
    topics.map((topic) => {
      const configs = Object.entries(topicConfigs(topic))
        .map(([name, value]) => `${name}=${value}\n`)
        .join('');
      return [
        topicLogicalId(topic),
        {
          Type: 'AWS::MSK::Topic',
          Properties: {
            ClusterArn: clusterArn,
            TopicName: topic,
            PartitionCount: topicSettings(topic).partitions,
            ReplicationFactor: replicationFactor,
            Configs: Buffer.from(configs).toString('base64'),
          },
        },
      ];
    }),
  );
}
