import type { ServiceContext } from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { orderEventStore, orderViews } from '../../functions/orders/stores.js';
import { sagaStore } from '../../functions/saga/store.js';
import { isTerminal, type Saga } from '../../lib/domain/saga-types.js';
import { loadOrder, orderStreamId } from '../../lib/store/orders.js';
import type { SagaFilter } from '../../lib/store/sagas.js';
import { formatSaga } from '../saga-report.js';
import type { OrderPage, SagaList, SagaPage } from './contracts.js';

/** The most events an order page lists: an order's stream is short (placed, confirmed or cancelled). */
const MAX_EVENTS = 1_000;

/** A saga list's place in the table, as the page carries it: opaque, and checked when it comes back. */
const cursorShape = z.object({ pk: z.string(), sk: z.string() });

export const encodeCursor = (key: Record<string, string>): string =>
  Buffer.from(JSON.stringify(key)).toString('base64url');

/** @returns the key, or undefined when the text is not one this console wrote */
export function decodeCursor(text: string): Record<string, string> | undefined {
  try {
    const parsed = z.safeParse(cursorShape, JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sagas by state, cause and age, oldest first, those past their deadline marked; a page at a time.
 *
 * @param service - where the sagas table is
 * @param filter - what the sagas must be
 * @param from - where the previous page stopped
 */
export async function sagaList(
  service: ServiceContext,
  filter: SagaFilter,
  from: Record<string, string> | undefined,
): Promise<SagaList> {
  const page = await sagaStore(service).list(filter, from);
  const now = service.now();
  return {
    sagas: page.sagas
      .map((saga) => ({
        orderId: saga.orderId,
        state: saga.state,
        ...(saga.cause ? { cause: saga.cause } : {}),
        outcome: saga.outcome,
        ...(saga.deadlineAt === undefined ? {} : { deadlineAt: new Date(saga.deadlineAt).toISOString() }),
        overdue: isOverdue(saga, now),
        startedAt: saga.startedAt,
        updatedAt: saga.updatedAt,
      }))
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt)),
    next: page.next ? encodeCursor(page.next) : null,
    scanned: page.scanned,
  };
}

const isOverdue = (saga: Saga, now: number) =>
  !isTerminal(saga.state) && saga.deadlineAt !== undefined && saga.deadlineAt < now;

/**
 * A saga as its page shows it: the state, the timeline, whether it is past its deadline, and the
 * report `npm run saga` prints for it (the same function writes both).
 *
 * @param service - where the sagas table is
 * @param orderId - the saga's order
 */
export async function sagaPage(service: ServiceContext, orderId: string): Promise<SagaPage | undefined> {
  const store = sagaStore(service);
  const [saga, timeline] = await Promise.all([store.get(orderId), store.timeline(orderId)]);
  if (!saga) return undefined;
  return {
    orderId,
    state: saga.state,
    version: saga.version,
    outcome: saga.outcome,
    ...(saga.cause ? { cause: saga.cause } : {}),
    pending: saga.pending,
    ...(saga.deadlineAt === undefined ? {} : { deadlineAt: new Date(saga.deadlineAt).toISOString() }),
    overdue: isOverdue(saga, service.now()),
    startedAt: saga.startedAt,
    updatedAt: saga.updatedAt,
    timeline: timeline.map((entry) => ({
      version: entry.version,
      at: entry.at,
      from: entry.from,
      to: entry.to,
      trigger: entry.trigger.type,
      sent: entry.sent,
      note: entry.note,
    })),
    report: formatSaga(saga, timeline),
  };
}

/**
 * An order as its page shows it: its events (upcast ones marked), its state now and, when asked, at
 * an earlier version, and the read model's view beside them.
 *
 * @param service - where the event store and the views are
 * @param orderId - the order
 * @param asOfVersion - the version to show the state at, if any
 */
export async function orderPage(
  service: ServiceContext,
  orderId: string,
  asOfVersion: number | undefined,
): Promise<OrderPage | undefined> {
  const store = orderEventStore(service);
  const [now, stored, view] = await Promise.all([
    loadOrder(store, orderId, { fromStart: true }),
    store.page(orderStreamId(orderId), 0, MAX_EVENTS),
    orderViews(service).get(orderId),
  ]);
  if (now.version === 0) return undefined;
  const storedVersion = new Map(stored.map((event) => [event.version, event.schemaVersion]));
  const asOf = asOfVersion === undefined ? undefined : await loadOrder(store, orderId, { asOfVersion });
  return {
    orderId,
    version: now.version,
    state: now.state,
    ...(asOf ? { asOf: { version: asOf.version, state: asOf.state } } : {}),
    events: now.events.map((event) => {
      const written = storedVersion.get(event.streamVersion);
      return {
        streamVersion: event.streamVersion,
        type: event.type,
        version: event.version,
        occurredAt: event.occurredAt,
        ...(written !== undefined && written !== event.version ? { upcastFrom: written } : {}),
      };
    }),
    view: view
      ? {
          orderId: view.orderId,
          status: view.status,
          version: view.version,
          total: view.total,
          items: view.items,
        }
      : null,
  };
}
