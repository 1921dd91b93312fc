import { type DynamoDBDocumentClient, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { OrderState } from '../domain/order.js';
import type { EventStore } from './event-store.js';
import { type OrderView, type OrderViews, projectOrderView } from './order-views.js';
import { loadOrder } from './orders.js';

const ORDER_STREAM = /^order#(.+)$/;

/** Every order id that has a stream in the event store (snapshots excluded). */
async function orderIds(client: DynamoDBDocumentClient, table: string): Promise<string[]> {
  const ids = new Set<string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ProjectionExpression: 'streamId', ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      const match = ORDER_STREAM.exec(String(item.streamId));
      if (match?.[1] && !String(item.streamId).endsWith('#snapshot')) ids.add(match[1]);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return [...ids].sort();
}

/** Bring one order's view in `generation` up to the end of its stream, event by event. */
async function catchUp(
  store: EventStore<OrderState>,
  views: OrderViews,
  generation: number,
  orderId: string,
): Promise<number> {
  const current = await views.get(orderId, generation);
  const { events } = await loadOrder(store, orderId, { fromStart: true });
  let view: OrderView | undefined = current;
  let applied = 0;
  for (const event of events) {
    if (event.streamVersion <= (view?.version ?? 0)) continue;
    const previous = view?.version ?? 0;
    view = projectOrderView(view, orderId, event, event.streamVersion, event.occurredAt);
    await views.client.send(
      new TransactWriteCommand({
        TransactItems: views.applyItems(generation, view, previous),
      }),
    );
    applied++;
  }
  return applied;
}

/** Orders caught up at once: each order's view is its own, so orders are independent of each other. */
const REBUILD_CONCURRENCY = 16;

/** Run `work` on every item, at most `limit` at a time; resolves with the sum of what it returned. */
async function sumConcurrently(
  items: readonly string[],
  limit: number,
  work: (item: string) => Promise<number>,
): Promise<number> {
  let next = 0;
  let total = 0;
  const worker = async () => {
    for (let item = items[next++]; item !== undefined; item = items[next++]) total += await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return total;
}

/**
 * Rebuild the order views from the event store into a fresh generation and switch to it only when it
 * is complete. Events appended meanwhile went to the old generation; a second pass after the switch
 * applies them to the new one (the projector, meeting a gap there meanwhile, retries). Orders are
 * caught up 16 at a time; each order's events are applied in version order.
 */
export async function rebuildOrderViews(options: {
  client: DynamoDBDocumentClient;
  eventStoreTable: string;
  store: EventStore<OrderState>;
  views: OrderViews;
  log: (line: string) => void;
}): Promise<{ generation: number; orders: number; caughtUp: number }> {
  const { store, views, log } = options;
  const previous = await views.activeGeneration();
  const generation = previous + 1;
  const ids = await orderIds(options.client, options.eventStoreTable);
  log(`rebuilding ${ids.length} order views into generation ${generation} (live: ${previous})`);
  let done = 0;
  await sumConcurrently(ids, REBUILD_CONCURRENCY, async (orderId) => {
    const applied = await catchUp(store, views, generation, orderId);
    if (++done % 100 === 0) log(`  ${done}/${ids.length}`);
    return applied;
  });
  await views.switchTo(generation);
  log(`switched to generation ${generation}`);
  const caughtUp = await sumConcurrently(ids, REBUILD_CONCURRENCY, (orderId) =>
    catchUp(store, views, generation, orderId),
  );
  if (caughtUp > 0) log(`applied ${caughtUp} events appended during the rebuild`);
  return { generation, orders: ids.length, caughtUp };
}
