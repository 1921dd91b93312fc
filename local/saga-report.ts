import type { Saga } from '../lib/domain/saga.js';
import type { SagaTransition } from '../lib/store/sagas.js';

/** A saga as text: where it is and why, then its timeline (what `npm run saga` and the demo print). */
export function formatSaga(saga: Saga, timeline: readonly SagaTransition[]): string {
  const { order } = saga;
  const lines = [
    `saga ${saga.orderId}: ${saga.state}${saga.cause ? ` (${saga.cause})` : ''} — ${saga.outcome}`,
    `  order: customer ${order.customerId}, ${order.items.map((item) => `${item.quantity}×${item.sku}`).join(', ')}, total ${(order.total / 100).toFixed(2)} ${order.currency}`,
  ];
  if (saga.pending.length > 0) lines.push(`  waiting for: ${saga.pending.join(', ')}`);
  if (saga.deadlineAt !== undefined) lines.push(`  deadline: ${new Date(saga.deadlineAt).toISOString()}`);
  for (const entry of timeline) {
    const sent = entry.sent.length > 0 ? ` → sent ${entry.sent.join(', ')}` : '';
    lines.push(
      `  v${entry.version} ${entry.at} ${entry.from} → ${entry.to} on ${entry.trigger.type}${sent}: ${entry.note}`,
    );
  }
  return lines.join('\n');
}
