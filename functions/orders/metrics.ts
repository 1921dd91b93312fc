import type { BusinessMetric, MetricDeclaration } from '@msk-patterns/pipeline';

/** What the order service reports of the events it decides (Decision.metrics), graphed by the stage's dashboard. */
export const ORDER_METRICS = {
  OrderPlaced: { name: 'OrdersPlaced', unit: 'Count', dimensions: [], description: 'Orders placed' },
  OrderConfirmed: { name: 'OrdersConfirmed', unit: 'Count', dimensions: [], description: 'Orders confirmed' },
  OrderCancelled: { name: 'OrdersCancelled', unit: 'Count', dimensions: [], description: 'Orders cancelled' },
  OrderRejected: {
    name: 'OrderCommandsRejected',
    unit: 'Count',
    dimensions: [],
    description: 'Order commands refused (an order in the wrong state)',
  },
} as const satisfies Record<string, MetricDeclaration>;

const isCounted = (type: string): type is keyof typeof ORDER_METRICS => Object.hasOwn(ORDER_METRICS, type);

/**
 * One count per decided event of a kind the service reports.
 *
 * @param events - the events a command decided
 */
export function orderMetrics(events: ReadonlyArray<{ type: string }>): BusinessMetric[] {
  return events.flatMap((event) =>
    isCounted(event.type) ? [{ name: ORDER_METRICS[event.type].name, value: 1 }] : [],
  );
}
