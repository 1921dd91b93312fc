import { defineContract } from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { entityId, MAX_ORDER_LINES, stockLine, stockLines, text } from './fields.js';

export const reserveStockV1 = defineContract({
  topic: 'inventory.commands',
  type: 'ReserveStock',
  version: 1,
  description: 'The saga asks to hold every line of an order, all or nothing.',
  data: z.object({ orderId: entityId, items: stockLines }),
});

export const releaseStockV1 = defineContract({
  topic: 'inventory.commands',
  type: 'ReleaseStock',
  version: 1,
  description:
    'The saga gives back what an order holds (compensation). Sent before the reservation it also bars one arriving later.',
  data: z.object({ orderId: entityId, reason: text }),
});

export const commitStockV1 = defineContract({
  topic: 'inventory.commands',
  type: 'CommitStock',
  version: 1,
  description: 'The order is confirmed: what it holds is sold.',
  data: z.object({ orderId: entityId }),
});

export const stockReservedV1 = defineContract({
  topic: 'inventory.events',
  type: 'StockReserved',
  version: 1,
  description: 'Every line of the order is held.',
  data: z.object({ orderId: entityId, items: stockLines }),
});

export const stockRejectedV1 = defineContract({
  topic: 'inventory.events',
  type: 'StockRejected',
  version: 1,
  description: 'The order could not be held; nothing was held.',
  data: z.object({ orderId: entityId, reason: text }),
});

export const stockReleasedV1 = defineContract({
  topic: 'inventory.events',
  type: 'StockReleased',
  version: 1,
  description: 'What the order held is available again (`items` is empty when it held nothing).',
  data: z.object({ orderId: entityId, items: z.array(stockLine).check(z.maxLength(MAX_ORDER_LINES)) }),
});

export const stockCommittedV1 = defineContract({
  topic: 'inventory.events',
  type: 'StockCommitted',
  version: 1,
  description: 'What the order held is sold.',
  data: z.object({ orderId: entityId, items: z.array(stockLine).check(z.maxLength(MAX_ORDER_LINES)) }),
});

export const INVENTORY_COMMANDS = [reserveStockV1, releaseStockV1, commitStockV1] as const;
export const INVENTORY_EVENTS = [
  stockReservedV1,
  stockRejectedV1,
  stockReleasedV1,
  stockCommittedV1,
] as const;
