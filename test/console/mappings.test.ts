import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { chromiumForTests, seriousViolations } from '../support/browser.js';
import { consoleForTests } from '../support/console.js';
import { createTestTopic } from '../support/kafka.js';
import { unique } from '../support/pipeline.js';

/**
 * The mappings page against the broker: a mapping's consumer group behind by what it has not
 * committed (Lambda's `OffsetLag`), and at 0 once it has caught up.
 */
const brokers = inject('kafkaBrokers');
const topic = unique('console-lag');
const groupId = unique('console-group');
/** what an emulated mapping's runner reports of its latest invocation (test/emulator/mapping-runner.test.ts) */
const lastInvocation = {
  at: new Date('2026-12-05T02:00:00Z'),
  outcome: 'partial',
  records: 3,
  durationMs: 41,
} as const;
const { running } = consoleForTests({
  // asked as a stage's console asks, with Lambda's state of the mapping
  mappings: async () => [
    {
      functionKey: 'lagging',
      topic,
      consumerGroupId: groupId,
      enabled: true,
      state: 'Creating',
      lastInvocation,
    },
  ],
});
const browser = chromiumForTests();

describe('the console’s mappings page', () => {
  it('shows a mapping’s lag, and 0 once its consumer group has caught up', async () => {
    // Prepare: 5 records on a topic of 2 partitions, nothing consumed yet
    await createTestTopic(brokers, topic, 2);
    const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
    // Idempotent: a send retried after a timeout on a loaded machine wrote records twice (lag 9, not 5).
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic,
      messages: ['a', 'b', 'c', 'd', 'e'].map((key) => ({ key, value: key })),
    });
    await producer.disconnect();
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(running().url);
    await page.goto(`${new URL(running().url).origin}/#/mappings`);
    const lag = page.getByTestId('mapping-lagging').getByTestId('lag');

    // Assess: behind by all 5, and the latest invocation's outcome
    await expect.poll(() => lag.innerText(), { timeout: 15_000 }).toBe('5');
    expect(await page.getByTestId('mapping-lagging').locator('td').first().innerText()).toBe(
      'lagging (Creating)',
    );
    expect(await page.getByTestId('mapping-lagging').getByTestId('last-invocation').innerText()).toBe(
      'partial batch response, 3 records in 41 ms at 02:00:00',
    );
    expect(await seriousViolations(page, 'mappings')).toEqual([]);

    // Act: the mapping's group reads and commits everything
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let read = 0;
    const caughtUp = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async () => {
          read += 1;
          if (read === 5) resolve();
        },
      });
    });
    await caughtUp;
    await consumer.disconnect(); // commits what it read

    // Assess: the page shows it caught up, without a reload
    await expect.poll(() => lag.innerText(), { timeout: 15_000 }).toBe('0');
    await page.close();
  }, 60_000);
});
