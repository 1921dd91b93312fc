import { readDeadLetters } from '@msk-patterns/emulator';
import { DEAD_LETTER_HEADERS, deadLetterTopic } from '@msk-patterns/pipeline';
import type { Kafka } from 'kafkajs';
import { SOURCE_TOPICS } from '../../lib/contracts/topics.js';
import { pollUntil } from '../poll.js';

/**
 * The run's dead letters (keys carrying its tag) as they arrive, logged with their reason and handed
 * to `onLetter` each time one arrives (a key dead-lettered twice is seen twice). Resolves once the
 * watcher has joined its group, so nothing produced afterwards is missed, however many letters a
 * flood writes.
 * `settle` reads every dead-letter topic to its end once, so that letters the live watcher has not
 * reached yet count too.
 */
export async function watchDeadLetters(
  kafka: Kafka,
  runId: string,
  tag: string,
  log: (line: string) => void,
  onLetter?: (key: string, reason: string) => void,
) {
  const letters = new Map<string, string>();
  const watcher = kafka.consumer({
    groupId: `demo-dlq-${runId}`,
    sessionTimeout: 6000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 100,
  });
  const joined = new Promise((resolve) => watcher.on(watcher.events.GROUP_JOIN, resolve));
  await watcher.connect();
  await watcher.subscribe({ topics: SOURCE_TOPICS.map(deadLetterTopic), fromBeginning: true });
  await watcher.run({
    eachMessage: async ({ topic, message }) => {
      const key = message.key?.toString() ?? '';
      if (!key.includes(tag)) return;
      const header = (name: string) => message.headers?.[name]?.toString();
      const reason = `${header(DEAD_LETTER_HEADERS.errorClass) ?? 'on-failure destination'}: ${header(DEAD_LETTER_HEADERS.errorMessage) ?? '(Lambda records no reason)'}`;
      letters.set(key, reason);
      onLetter?.(key, reason);
      log(`demo: ${topic} ← ${key}: ${reason}`);
    },
  });
  await joined;
  return {
    letters,
    async settle(brokers: string[]): Promise<void> {
      // Read again while a restarting broker refuses (the chaos run kills it); a few seconds at most.
      let read: Awaited<ReturnType<typeof readDeadLetters>> | undefined;
      await pollUntil(
        async () => {
          read = await readDeadLetters(brokers).catch(() => undefined);
          return read !== undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
      for (const letter of read ?? (await readDeadLetters(brokers))) {
        const key = letter.original?.key ?? '';
        if (key.includes(tag)) letters.set(key, `${letter.errorClass}: ${letter.errorMessage}`);
      }
    },
    stop: () => watcher.disconnect().catch(() => {}),
  };
}
