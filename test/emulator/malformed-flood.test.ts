import { MappingRunner } from '@msk-patterns/emulator';
import { containerContext } from '@msk-patterns/pipeline';
import { Kafka, logLevel as kafkaLogLevel } from 'kafkajs';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { handler } from '../../functions/orders/commands.js';
import { orderEventStore } from '../../functions/orders/stores.js';
import { loadOrder } from '../../lib/store/orders.js';
import { awaitCaughtUp } from '../../local/demo/caught-up.js';
import { watchDeadLetters } from '../../local/demo/dead-letters.js';
import { produce, testMapping } from '../support/emulator.js';
import { envelopeJson, placeOrderCommand } from '../support/pipeline.js';

/**
 * The malformed flood of issue 12 through one emulated mapping on the broker, into the real
 * orderCommands function: what a topic can carry (a broker never hands out a record that is not one,
 * so bad base64 and bad header bytes are the codec's own test, test/unit/malformed-flood.test.ts).
 */
const BAD = 10_000;
// 10,000 "record dead-lettered" warnings would bury the test's output; the logger reads its level
// when the function's module loads, hence before the imports.
const logLevel = vi.hoisted(() => {
  const before = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  return before;
});
const GOOD = 1_000;

const brokers = inject('kafkaBrokers');
const runId = Math.random().toString(36).slice(2, 8);
afterAll(async () => {
  if (logLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = logLevel;
  await containerContext().publisher.disconnect();
});

/** What a topic can carry that is not a valid order command, each with the reason it must be dead-lettered for. */
const BAD_KINDS: Array<{ reason: RegExp; value: () => string | Buffer | null }> = [
  { reason: /value is not JSON/, value: () => '{"unterminated' },
  { reason: /value is not JSON/, value: () => Buffer.from([0xff, 0xfe, 0x00, 0x80]) },
  { reason: /not a message envelope/, value: () => '{"hello":"world"}' },
  { reason: /PlaceOrder v1 is invalid/, value: () => envelopeJson({ orderId: '' }) },
  { reason: /is not a message of topic/, value: () => envelopeJson({}, 'Shipped') },
  {
    reason: /PlaceOrder v1 is invalid/,
    value: () => `{"__proto__":{"admin":true},${envelopeJson({}).slice(1)}`,
  },
  { reason: /tombstone/, value: () => null },
  // 4 KB of garbage, not 256 KB as in the codec's test: this flood writes ~1,250 of them twice
  // (source and dead letter), which at 256 KB would be ~850 MB of disk and minutes of I/O.
  { reason: /value is not JSON/, value: () => 'x'.repeat(4 * 1024) },
];

describe('a malformed flood through one emulated mapping, on the broker', () => {
  it('dead-letters each bad record once with its reason, commits each good command once, with no failed invocation', async () => {
    // Prepare: every 11th record is a good PlaceOrder (an order of its own), the rest cycle through the bad kinds
    const mapping = testMapping({
      functionKey: 'orderCommands',
      topic: 'orders.commands',
      destinationTopic: 'orders.commands.dlq',
      batchingWindowMs: 100,
    });
    const runner = new MappingRunner(mapping, {
      brokers,
      log: () => {},
      handler: (event, context) => handler(event, context),
    });
    await runner.start();
    const messages: Parameters<typeof produce>[2] = [];
    const reasonOf = new Map<string, RegExp>();
    const goodOrders: string[] = [];
    for (let index = 0; index < BAD + GOOD; index++) {
      if (index % 11 === 10) {
        const orderId = `flood-${runId}-order-${index}`;
        goodOrders.push(orderId);
        const command = placeOrderCommand(`flood-${runId}-${index}`, orderId);
        messages.push({ key: orderId, value: JSON.stringify(command) });
        continue;
      }
      const kind = BAD_KINDS[index % BAD_KINDS.length] as (typeof BAD_KINDS)[number];
      const key = `flood-${runId}-bad-${index}`;
      reasonOf.set(key, kind.reason);
      messages.push({ key, value: kind.value() });
    }

    // Dead letters are counted as they arrive, as a dead-letter consumer would.
    const kafka = new Kafka({ brokers, logLevel: kafkaLogLevel.NOTHING });
    const letters = new Map<string, string[]>();
    const watcher = await watchDeadLetters(
      kafka,
      runId,
      `flood-${runId}-bad-`,
      () => {},
      (key, reason) => letters.set(key, [...(letters.get(key) ?? []), reason]),
    );

    // Act
    const started = performance.now();
    try {
      for (let start = 0; start < messages.length; start += 500)
        await produce(brokers, 'orders.commands', messages.slice(start, start + 500));
      const { behind } = await awaitCaughtUp(
        kafka,
        [{ groupId: mapping.consumerGroupId, topic: mapping.topic }],
        240_000,
      );
      expect(behind.size).toBe(0);
      // Every letter the mapping's invocations wrote is on the topic before their offsets were
      // committed: once the watcher has read to the topic's end too, a second letter of any record
      // would have been seen.
      const watched = await awaitCaughtUp(
        kafka,
        [{ groupId: `demo-dlq-${runId}`, topic: 'orders.commands.dlq' }],
        60_000,
      );
      expect(watched.behind.size).toBe(0);
    } finally {
      await Promise.all([runner.stop(), watcher.stop()]);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `malformed flood through the emulator: ${BAD} bad + ${GOOD} good records in ${seconds.toFixed(1)} s (${Math.round((BAD + GOOD) / seconds)} records/s), ${runner.stats.invocations} invocations`,
    );

    // Assess: no failed invocation, no retry; each bad record dead-lettered once, with its reason
    expect(runner.stats).toMatchObject({ retries: 0, toDestination: 0, dropped: 0, consumerCrashes: 0 });
    expect(letters.size).toBe(BAD);
    for (const [key, reasons] of letters) {
      expect(reasons, key).toHaveLength(1);
      expect(reasons[0], key).toMatch(reasonOf.get(key) as RegExp);
    }
    // each good command placed its order exactly once
    const placed = await Promise.all(
      goodOrders.map(async (orderId) => {
        const { events } = await loadOrder(orderEventStore(containerContext()), orderId, { fromStart: true });
        return events.map((event) => event.type).join(',');
      }),
    );
    expect(placed.filter((types) => types === 'OrderPlaced')).toHaveLength(GOOD);
  }, 300_000);
});
