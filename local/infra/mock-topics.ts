import type rdkafka from 'node-rdkafka';
import { InfrastructureError } from './errors.js';

/** Partitions of every topic on the bundled broker: the mock cluster's fixed default. */
export const MOCK_PARTITIONS = 4;

const METADATA_TIMEOUT_MS = 5000;

function topicPartitions(client: rdkafka.Producer, topic: string): Promise<number> {
  return new Promise((resolve, reject) => {
    client.getMetadata({ topic, allTopics: false, timeout: METADATA_TIMEOUT_MS }, (error, metadata) => {
      if (error) reject(new InfrastructureError('kafka', `metadata for ${topic}: ${error.message}`));
      else resolve(metadata.topics.find((entry) => entry.name === topic)?.partitions.length ?? 0);
    });
  });
}

/**
 * Make topics exist on the bundled broker. librdkafka's mock cluster has no CreateTopics handler (so
 * kafkajs `admin.createTopics` fails): a topic is created, with MOCK_PARTITIONS partitions, by the
 * first metadata request that names it and allows auto-creation, which librdkafka's producer does.
 */
export async function createMockTopics(brokers: readonly string[], topics: readonly string[]): Promise<void> {
  if (topics.length === 0) return;
  // Loaded here: node-rdkafka is an optional dependency that only the bundled broker needs.
  const { default: kafka } = await import('node-rdkafka');
  const client = new kafka.Producer({
    'bootstrap.servers': brokers.join(','),
    'allow.auto.create.topics': true,
  });
  await new Promise<void>((resolve, reject) => {
    client.connect({ timeout: METADATA_TIMEOUT_MS }, (error) => (error ? reject(error) : resolve()));
  });
  try {
    for (const topic of topics) {
      const partitions = await topicPartitions(client, topic);
      if (partitions !== MOCK_PARTITIONS) {
        throw new InfrastructureError(
          'kafka',
          `${topic} has ${partitions} partitions, expected ${MOCK_PARTITIONS}`,
        );
      }
    }
  } finally {
    await new Promise<void>((resolve) => client.disconnect(() => resolve()));
  }
}
