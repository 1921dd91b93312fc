import {
  committedOutboxes,
  consumerMarkerKeys,
  loadServerlessConfig,
  MappingRunner,
  readDeadLetters,
  redrive,
} from '@msk-patterns/emulator';
import {
  BatchProcessor,
  containerContext,
  IdempotencyStore,
  type Publisher,
  TransientError,
} from '@msk-patterns/pipeline';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { orderCommandsConsumer } from '../../functions/orders/commands.js';
import { contracts } from '../../lib/contracts/index.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { onlyOwn, produce, testMapping, waitFor } from '../support/emulator.js';
import { readTopic } from '../support/kafka.js';
import { localPipeline } from '../support/local-pipeline.js';
import { placeOrderCommand, unique } from '../support/pipeline.js';

// The outbox guarantee (docs/patterns.md, "Outbox"): a message committed to an outbox is published — or
// an alarm fires and the operator's redrive publishes it, for as long as the dead letter exists.

const brokers = inject('kafkaBrokers');
const { documents, publisher } = localPipeline();
const DAY_MS = 86_400_000;

describe('the outbox guarantee', () => {
  const running: MappingRunner[] = [];
  afterAll(async () => {
    await Promise.all(running.map((runner) => runner.stop()));
  });

  it('publishes an outbox stranded by exhausted retries when its dead letter is redriven 20 days later, instead of deciding again', async () => {
    // Prepare: the write side on DynamoDB Local and the broker, behind the emulated mapping (1 retry,
    // then kafka://orders.commands.dlq); a clock the test moves; publishes refused until the "outage" ends.
    let daysLater = 0;
    let outage = true;
    const store = new IdempotencyStore(documents, containerContext().tableName(TABLE_VARIABLES.idempotency), {
      now: () => Date.now() + daysLater * DAY_MS,
    });
    const outagePublisher: Publisher = {
      async publish(records) {
        if (outage) throw new TransientError('broker unreachable (injected outage)');
        await publisher.publish(records);
      },
    };
    const processor = new BatchProcessor(
      { ...orderCommandsConsumer, retry: { maxAttempts: 2, baseDelayMs: 5 } },
      { store, publisher: outagePublisher, registry: contracts },
    );
    const orderId = unique('stranded');
    const runner = new MappingRunner(
      testMapping({
        topic: 'orders.commands',
        destinationTopic: 'orders.commands.dlq',
        functionKey: 'orderCommands',
        maximumRetryAttempts: 1,
      }),
      {
        brokers,
        log: () => {},
        handler: async (event, context) =>
          (await processor.process(onlyOwn(event, orderId), context)).response,
      },
    );
    running.push(runner);
    await runner.start();
    const command = placeOrderCommand(unique('place'), orderId);
    await produce(brokers, 'orders.commands', [{ key: orderId, value: JSON.stringify(command) }]);
    await waitFor(() => runner.stats.toDestination >= 1, 30_000);
    const [letter] = (await readDeadLetters(brokers, { source: 'orders.commands' })).filter(
      (candidate) => candidate.original?.key === orderId,
    );

    // Act: 20 days on, the operator lists the letter (it says what a redrive publishes), the broker is
    // back, the operator redrives it
    daysLater = 20;
    const consumers = await consumerMarkerKeys(loadServerlessConfig().functions);
    const listed = await committedOutboxes(letter ? [letter] : [], consumers, store);
    outage = false;
    await redrive(brokers, letter ? [letter] : [], { log: () => {} });
    const events = await readTopic(
      brokers,
      'orders.events',
      (message) => message.key === orderId,
      (matched) => matched.length >= 1,
      30_000,
    );

    // Assess: the OrderPlaced committed 20 days earlier, under its original id; nothing decided again
    expect(letter).toMatchObject({ condition: 'RetriesExhausted', functionName: 'orderCommands' });
    expect([...listed.values()]).toEqual([
      { marker: `orderCommands#${command.id}`, messages: 1, republished: false },
    ]);
    expect(events.map((event) => JSON.parse(event.value).type)).toEqual(['OrderPlaced']);
    expect(JSON.parse(events[0]?.value ?? '{}')).toMatchObject({ causationId: command.id });
  }, 90_000);
});
