import { startApacheKafka } from '@msk-patterns/emulator';
import { createTestTopic } from '../support/kafka.js';
import type { BrokerTarget } from './cases.js';

/** A running cluster: topics through kafkajs' admin client (CreateTopics), as the project makes them (packages/emulator/src/infra/kafka-topics.ts). */
export function clusterTarget(name: string, brokers: string[]): BrokerTarget {
  return {
    name,
    brokers,
    async createTopic(topic, partitions) {
      await createTestTopic(brokers, topic, partitions);
    },
  };
}

/**
 * The broker `env` names (KAFKA_BROKERS, plaintext), or the project's Apache Kafka started for the run,
 * which can also be restarted on the same address and data (SIGKILL, as a crash).
 */
export async function startTarget(
  env: NodeJS.ProcessEnv,
): Promise<{ target: BrokerTarget; stop: () => Promise<void> }> {
  if (env.KAFKA_BROKERS) {
    const brokers = env.KAFKA_BROKERS.split(',').map((broker) => broker.trim());
    return { target: clusterTarget(`KAFKA_BROKERS=${brokers.join(',')}`, brokers), stop: async () => {} };
  }
  const broker = await startApacheKafka({ topics: [], env });
  const target: BrokerTarget = {
    ...clusterTarget(`Apache Kafka ${broker.version} (local, KRaft, one node)`, broker.brokers),
    restart: () => broker.restart('SIGKILL'),
  };
  return { target, stop: () => broker.stop() };
}
