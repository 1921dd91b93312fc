import { orderCommandsConsumer } from '../../functions/orders/commands.js';
import { orderProjectorConsumer } from '../../functions/orders/projector.js';
import type { Envelope } from '../../lib/contracts/envelope.js';
import { contracts } from '../../lib/contracts/index.js';
import type { ValidMessage } from '../../lib/contracts/registry.js';
import { encodeMskEvent } from '../../lib/kafka/codec.js';
import { recordFor } from '../../lib/kafka/examples.js';
import { getPublisher } from '../../lib/kafka/producer.js';
import { BatchProcessor } from '../../lib/pipeline/processor.js';
import type { ProcessorOptions } from '../../lib/pipeline/types.js';
import { getDocumentClient } from '../../lib/store/dynamodb.js';
import { IdempotencyStore } from '../../lib/store/idempotency.js';
import { readTopic } from './kafka.js';
import { contextWithTime } from './pipeline.js';

function processor<TMessage extends ValidMessage>(name: string, options: ProcessorOptions<TMessage>) {
  return new BatchProcessor(
    { ...options, name },
    {
      store: new IdempotencyStore(getDocumentClient(), process.env.IDEMPOTENCY_TABLE as string),
      publisher: getPublisher(),
      registry: contracts,
    },
  );
}

/**
 * The whole write → read chain on the real parts: commands through orderCommands (event store, outbox),
 * the events it published read back from orders.events, then through orderProjector (views).
 */
export async function runOrderChain(brokers: string[], label: string, commands: Envelope[]): Promise<void> {
  const orderIdOf = (command: Envelope) => (command.data as { orderId: string }).orderId;
  const commandEvent = encodeMskEvent(
    commands.map((command, offset) =>
      recordFor('orders.commands', command, { partition: 0, offset, key: orderIdOf(command) }),
    ),
  );
  await processor(`${label}-commands`, orderCommandsConsumer).process(commandEvent, contextWithTime(60_000));
  const orderIds = new Set(commands.map(orderIdOf));
  const expectedEvents = commands.length;
  const published = await readTopic(
    brokers,
    'orders.events',
    (message) => orderIds.has(message.key ?? ''),
    (matched) => matched.length >= expectedEvents,
  );
  const eventsEvent = encodeMskEvent(
    published.map((message) => ({
      topic: 'orders.events',
      partition: message.partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers,
    })),
  );
  await processor(`${label}-projector`, orderProjectorConsumer).process(eventsEvent, contextWithTime(60_000));
}
