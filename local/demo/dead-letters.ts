import type { Kafka } from 'kafkajs';
import { deadLetterTopic, SOURCE_TOPICS } from '../../lib/contracts/topics.js';
import { DEAD_LETTER_HEADERS } from '../../lib/kafka/dead-letter.js';
import { readDeadLetters } from '../dlq/dead-letters.js';

/**
 * The run's dead letters (keys carrying its tag) as they arrive, logged with their reason. The live
 * watcher reads while records are appended, which the bundled broker can tear (see FetchVerifier), so
 * `settle` replaces what it saw with one quiet read of every dead-letter topic.
 */
export async function watchDeadLetters(
  kafka: Kafka,
  runId: string,
  tag: string,
  log: (line: string) => void,
) {
  const letters = new Map<string, string>();
  const watcher = kafka.consumer({
    groupId: `demo-dlq-${runId}`,
    sessionTimeout: 6000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 100,
  });
  await watcher.connect();
  await watcher.subscribe({ topics: SOURCE_TOPICS.map(deadLetterTopic), fromBeginning: true });
  await watcher.run({
    eachMessage: async ({ topic, message }) => {
      const key = message.key?.toString() ?? '';
      if (!key.includes(tag)) return;
      const header = (name: string) => message.headers?.[name]?.toString();
      const reason = `${header(DEAD_LETTER_HEADERS.errorClass) ?? 'on-failure destination'}: ${header(DEAD_LETTER_HEADERS.errorMessage) ?? '(Lambda records no reason)'}`;
      letters.set(key, reason);
      log(`demo: ${topic} ← ${key}: ${reason}`);
    },
  });
  return {
    letters,
    async settle(brokers: string[]): Promise<void> {
      for (const letter of await readDeadLetters(brokers)) {
        const key = letter.original?.key ?? '';
        if (key.includes(tag)) letters.set(key, `${letter.errorClass}: ${letter.errorMessage}`);
      }
    },
    stop: () => watcher.disconnect().catch(() => {}),
  };
}
