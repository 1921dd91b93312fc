import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, containerContext } from '@msk-patterns/pipeline';
import { paymentProvider } from '../../functions/payments/handler.js';
import { isTerminal, type Saga } from '../../lib/domain/saga.js';
import { SimulatedPaymentProvider } from '../../lib/store/payments.js';
import { pollUntil } from '../poll.js';

/** How long the read side and the audit may take to catch up once the sagas are done. */
const CATCH_UP_MS = 30_000;

/** A saga's outcome as the summary counts it: completed, cancelled:<cause>, failed, unfinished, no-saga. */
export function outcomeOf(saga: Saga | undefined): string {
  if (!saga) return 'no-saga';
  if (!isTerminal(saga.state)) return 'unfinished';
  return saga.state === 'cancelled' ? `cancelled:${saga.cause ?? 'unknown'}` : saga.state;
}

/**
 * How many of these client commands the audit table holds (its key is the message id), once it holds
 * them all or the catch-up time is over: the last commands (late cancels) may still be on their way.
 */
export async function countAudited(
  documents: DynamoDBDocumentClient,
  table: string,
  messageIds: readonly string[],
): Promise<number> {
  const keys = [...new Set(messageIds)].map((messageId) => ({ messageId }));
  let held = 0;
  await pollUntil(
    async () => {
      held = (await batchGetAll(documents, table, keys, { projection: 'messageId' })).length;
      return held === keys.length;
    },
    { timeoutMs: CATCH_UP_MS, intervalMs: 300 },
  );
  return held;
}

/** The payment function runs in this process: its simulated provider counts what it injected. */
export function providerFailures(): number {
  const provider = paymentProvider(containerContext());
  return provider instanceof SimulatedPaymentProvider ? provider.injectedFailures : 0;
}

/** The types of an order's events, from the query API (empty when it has none). */
export async function orderEventTypes(apiUrl: string, orderId: string): Promise<string[]> {
  const response = await fetch(`${apiUrl}/orders/${orderId}/events`);
  return response.ok
    ? ((await response.json()) as { events: Array<{ type: string }> }).events.map((event) => event.type)
    : [];
}

const VIEW_STATUS: Record<string, string> = { completed: 'confirmed', cancelled: 'cancelled' };

/** Orders whose view says what their saga ended with (polled: the projector is eventually consistent). */
export async function countAgreeingViews(
  apiUrl: string,
  orderIds: readonly string[],
  sagas: ReadonlyMap<string, Saga>,
): Promise<number> {
  let pending = [...orderIds];
  await pollUntil(
    async () => {
      const checks = await Promise.all(
        pending.map(async (id) => {
          const response = await fetch(`${apiUrl}/orders/${id}`);
          const status = response.ok ? ((await response.json()) as { status: string }).status : undefined;
          const expected = VIEW_STATUS[sagas.get(id)?.state ?? ''];
          return expected !== undefined && status === expected ? undefined : id;
        }),
      );
      pending = checks.filter((id): id is string => id !== undefined);
      return pending.length === 0;
    },
    { timeoutMs: CATCH_UP_MS, intervalMs: 300 },
  );
  return orderIds.length - pending.length;
}
