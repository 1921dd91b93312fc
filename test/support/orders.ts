import {
  BatchProcessor,
  containerContext,
  type Envelope,
  encodeMskEvent,
  IdempotencyStore,
  type ProcessorOptions,
  recordFor,
  type ValidMessage,
} from '@msk-patterns/pipeline';
import { orderCommandsConsumer } from '../../functions/orders/commands.js';
import { orderProjectorConsumer } from '../../functions/orders/projector.js';
import { contracts } from '../../lib/contracts/index.js';
import { readTopic } from './kafka.js';
import { contextWithTime } from './pipeline.js';

function processor<TMessage extends ValidMessage>(name: string, options: ProcessorOptions<TMessage>) {
  return new BatchProcessor(
    { ...options, name },
    {
      store: new IdempotencyStore(containerContext().documentClient, process.env.IDEMPOTENCY_TABLE as string),
      publisher: containerContext().publisher,
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
