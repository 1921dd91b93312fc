import {
  type ConsumerExpectation,
  type ConsumerOptions,
  consumer,
  type Decision,
  type MessageHandler,
  type MessageOf,
  type ProducerDeclaration,
  perServiceContext,
  publishedTopics,
  TABLE_ACCESS,
} from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { keyedByOrderId, orderReply } from '../../lib/contracts/by-order.js';
import { contracts } from '../../lib/contracts/index.js';
import { INVENTORY_COMMANDS } from '../../lib/contracts/inventory.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { perSku, RESERVATION_STATUS, shortage } from '../../lib/domain/inventory.js';
import { InventoryStore } from '../../lib/store/inventory.js';

/** The inventory table of a service context. */
export const inventoryStore = perServiceContext(
  (service) => new InventoryStore(service.documentClient, service.tableName(TABLE_VARIABLES.inventory)),
);

const answer = orderReply('inventory.events');

/**
 * Inventory participant. Reserve is all-or-nothing over the order's lines with conditional decrements
 * (`available >= quantity`); release and commit move what the reservation holds. Every command is
 * answered, also when it changes nothing, so the saga always hears back. A reservation that lost a
 * race for the last units fails its condition and is decided again on fresh stock (the core retries).
 */
export const handleInventoryCommand: MessageHandler<MessageOf<typeof INVENTORY_COMMANDS>> = async (
  command,
  { service },
): Promise<Decision> => {
  const { orderId } = command.data;
  const inventory = inventoryStore(service);
  const held = await inventory.reservation(orderId);
  switch (command.type) {
    case 'ReserveStock': {
      if (held?.status === RESERVATION_STATUS.reserved || held?.status === RESERVATION_STATUS.committed)
        return { messages: [answer('StockReserved', { orderId, items: held.items })] };
      if (held)
        return {
          messages: [
            answer('StockRejected', { orderId, reason: `the order's reservation is ${held.status}` }),
          ],
        };
      const lines = perSku(command.data.items);
      const reason = shortage(lines, await inventory.stock(lines.map((line) => line.sku)));
      if (reason)
        return {
          writes: inventory.rejectItems(orderId, lines, reason),
          messages: [answer('StockRejected', { orderId, reason })],
        };
      return {
        writes: inventory.reserveItems(orderId, lines),
        messages: [answer('StockReserved', { orderId, items: lines })],
      };
    }
    case 'ReleaseStock': {
      if (held && held.status !== RESERVATION_STATUS.reserved)
        return { messages: [answer('StockReleased', { orderId, items: [] })] };
      return {
        writes: inventory.releaseItems(orderId, held, command.data.reason),
        messages: [answer('StockReleased', { orderId, items: held?.items ?? [] })],
      };
    }
    case 'CommitStock': {
      if (held?.status !== RESERVATION_STATUS.reserved)
        return { messages: [answer('StockCommitted', { orderId, items: [] })] };
      return {
        writes: inventory.commitItems(held),
        messages: [answer('StockCommitted', { orderId, items: held.items })],
      };
    }
  }
};

export const produces: ProducerDeclaration[] = [
  {
    producer: 'inventory',
    topic: 'inventory.events',
    types: ['StockReserved', 'StockRejected', 'StockReleased', 'StockCommitted'],
    key: keyedByOrderId,
  },
];

/** The participant's pipeline options (the tests drive the same ones). */
export const inventoryConsumer = {
  registry: contracts,
  publishes: publishedTopics(produces),
  name: 'inventory',
  accepts: INVENTORY_COMMANDS,
  tables: { [TABLE_VARIABLES.inventory]: TABLE_ACCESS.write },
  handle: handleInventoryCommand,
} as const satisfies ConsumerOptions<typeof INVENTORY_COMMANDS>;

export const handler = consumer(inventoryConsumer);

const stockLine = z.object({ sku: z.string(), quantity: z.int() });

export const expectations: ConsumerExpectation[] = [
  {
    consumer: 'inventory',
    topic: 'inventory.commands',
    messages: {
      ReserveStock: z.object({ orderId: z.string(), items: z.array(stockLine).check(z.minLength(1)) }),
      ReleaseStock: z.object({ orderId: z.string(), reason: z.string() }),
      CommitStock: z.object({ orderId: z.string() }),
    },
    key: keyedByOrderId,
  },
];
