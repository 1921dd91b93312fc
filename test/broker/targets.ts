import { Kafka, logLevel } from 'kafkajs';
import { startBundledBroker } from '../../local/infra/kafka-broker.js';
import { createMockTopics } from '../../local/infra/mock-topics.js';
import type { BrokerTarget } from './cases.js';

/** The bundled broker: librdkafka's mock cluster, whose topics come from metadata requests. */
export function bundledTarget(brokers: string[]): BrokerTarget {
  return {
    name: 'bundled: librdkafka mock cluster (node-rdkafka)',
    brokers,
    createTopic: (topic) => createMockTopics(brokers, [topic]),
  };
}

/** A cluster of yours (KAFKA_BROKERS, plaintext): topics through kafkajs' admin client. */
export function externalTarget(brokers: string[]): BrokerTarget {
  return {
    name: `KAFKA_BROKERS=${brokers.join(',')}`,
    brokers,
    async createTopic(topic, partitions) {
      const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
      } finally {
        await admin.disconnect();
      }
    },
  };
}

/** The broker `env` names (KAFKA_BROKERS), or a bundled one started for the run. */
export async function startTarget(
  env: NodeJS.ProcessEnv,
): Promise<{ target: BrokerTarget; stop: () => Promise<void> }> {
  if (env.KAFKA_BROKERS) {
    const brokers = env.KAFKA_BROKERS.split(',').map((broker) => broker.trim());
    return { target: externalTarget(brokers), stop: async () => {} };
  }
  const running = await startBundledBroker({ topics: [] });
  const stop = async () => {
    running.process.kill('SIGTERM');
  };
  return { target: bundledTarget(running.brokers), stop };
}
