import {
  type ConsumerExpectation,
  type ConsumerOptions,
  consumer,
  type ProducerDeclaration,
  publishedTopics,
  STREAM_VERSION_HEADER,
  TABLE_ACCESS,
} from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { keyedByOrderId } from '../../lib/contracts/by-order.js';
import { contracts } from '../../lib/contracts/index.js';
import { ORDER_COMMANDS } from '../../lib/contracts/orders.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { decideOrderCommand } from './decide-command.js';
import { ORDER_METRICS } from './metrics.js';

/** What it writes: every order event, keyed by order id, with its version in the stream. */
export const produces: ProducerDeclaration[] = [
  {
    producer: 'orderCommands',
    topic: 'orders.events',
    types: ['OrderPlaced', 'OrderConfirmed', 'OrderCancelled', 'OrderRejected'],
    key: keyedByOrderId,
    headers: (_data, position) => ({ [STREAM_VERSION_HEADER]: String(position) }),
  },
];

/** The write side's pipeline options (the tests drive the same ones). */
export const orderCommandsConsumer = {
  registry: contracts,
  publishes: publishedTopics(produces),
  name: 'orderCommands',
  accepts: ORDER_COMMANDS,
  tables: { [TABLE_VARIABLES.eventStore]: TABLE_ACCESS.insert },
  metrics: Object.values(ORDER_METRICS),
  handle: decideOrderCommand,
} as const satisfies ConsumerOptions<typeof ORDER_COMMANDS>;

export const handler = consumer(orderCommandsConsumer);

/** What the write side reads from the commands (and needs: one key per order, for per-order order). */
export const expectations: ConsumerExpectation[] = [
  {
    consumer: 'orderCommands',
    topic: 'orders.commands',
    messages: {
      PlaceOrder: z.object({
        orderId: z.string(),
        customerId: z.string(),
        currency: z.string(),
        items: z
          .array(z.object({ sku: z.string(), quantity: z.int(), unitPrice: z.int() }))
          .check(z.minLength(1)),
      }),
      CancelOrder: z.object({ orderId: z.string(), reason: z.string() }),
      ConfirmOrder: z.object({ orderId: z.string() }),
    },
    key: keyedByOrderId,
  },
];
