import type { ServiceContext } from '@msk-patterns/pipeline';
import { orderEventStore, orderViews } from '../../functions/orders/stores.js';
import { sagaStore } from '../../functions/saga/store.js';
import { isTerminal } from '../../lib/domain/saga-types.js';
import { loadOrder, orderStreamId } from '../../lib/store/orders.js';
import { formatSaga } from '../saga-report.js';
import type { OrderPage, SagaPage } from './contracts.js';

/** The most events an order page lists: an order's stream is short (placed, confirmed or cancelled). */
const MAX_EVENTS = 1_000;

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
    overdue: !isTerminal(saga.state) && saga.deadlineAt !== undefined && saga.deadlineAt < service.now(),
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
