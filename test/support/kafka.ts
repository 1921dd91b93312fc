import { createTopicsAndWait } from '@msk-patterns/emulator';
import { type IHeaders, Kafka, logLevel } from 'kafkajs';

export interface ReadMessage {
  key: string | undefined;
  value: string;
  headers: Record<string, string>;
  partition: number;
  offset: number;
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]));
}

/**
 * Read `topic` from the beginning with a fresh consumer group until `enough` says so (or time runs
 * out); return what matched `filter`.
 */
export async function readTopic(
  brokers: string[],
  topic: string,
  filter: (message: ReadMessage) => boolean,
  enough: (matched: ReadMessage[]) => boolean,
  timeoutMs = 15_000,
): Promise<ReadMessage[]> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `test-reader-${Math.random().toString(36).slice(2)}`,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
  });
  const matched: ReadMessage[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  consumer.on(consumer.events.CRASH, () => done());
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const read = {
          key: message.key?.toString(),
          value: message.value?.toString() ?? '',
          headers: textHeaders(message.headers),
          partition,
          offset: Number(message.offset),
        };
        if (filter(read)) matched.push(read);
        if (enough(matched)) done();
      },
    });
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  } finally {
    await consumer.disconnect();
  }
  return matched;
}

/**
 * Create a topic of a test's own. The local broker, like MSK, creates topics only when asked
 * (`auto.create.topics.enable=false`): producing to a topic nobody created fails.
 */
export async function createTestTopic(brokers: string[], topic: string, partitions = 1): Promise<string> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await createTopicsAndWait(admin, [{ topic, numPartitions: partitions }]);
  } finally {
    await admin.disconnect();
  }
  return topic;
}
