import type { BusinessMetric, MetricDeclaration } from '@msk-patterns/pipeline';
import { ACKNOWLEDGEMENTS, isTerminal, type SagaStep } from '../../lib/domain/saga-types.js';

/** What the orchestrator reports of the sagas it drives (Decision.metrics), graphed by the stage's dashboard. */
export const SAGA_METRICS = {
  finished: {
    name: 'SagasFinished',
    unit: 'Count',
    dimensions: ['outcome'],
    description: 'Sagas finished, by outcome',
  },
  cancelled: {
    name: 'SagasCancelled',
    unit: 'Count',
    dimensions: ['cause'],
    description: 'Sagas cancelled, by cause',
  },
  duration: {
    name: 'SagaDuration',
    unit: 'Milliseconds',
    dimensions: ['outcome'],
    description: 'Saga duration to its outcome',
  },
  compensations: {
    name: 'Compensations',
    unit: 'Count',
    dimensions: [],
    description: 'Compensating commands sent',
  },
} as const satisfies Record<string, MetricDeclaration>;

const COMPENSATIONS: ReadonlySet<string> = new Set(Object.values(ACKNOWLEDGEMENTS));

/**
 * A transition's figures: the compensations it sent, and once the saga reaches its outcome, that
 * outcome, its cause and how long the saga took.
 *
 * @param step - the transition
 * @param now - when it was decided (epoch ms)
 */
export function sagaMetrics(step: Extract<SagaStep, { kind: 'moved' }>, now: number): BusinessMetric[] {
  const { saga } = step;
  const metrics: BusinessMetric[] = [];
  const compensations = step.commands.filter((command) => COMPENSATIONS.has(command.type)).length;
  if (compensations > 0) metrics.push({ name: SAGA_METRICS.compensations.name, value: compensations });
  const finished = isTerminal(saga.state) && (step.from === 'none' || !isTerminal(step.from));
  if (!finished) return metrics;
  const outcome = { outcome: saga.state };
  metrics.push(
    { name: SAGA_METRICS.finished.name, value: 1, dimensions: outcome },
    { name: SAGA_METRICS.duration.name, value: now - Date.parse(saga.startedAt), dimensions: outcome },
  );
  if (saga.cause)
    metrics.push({ name: SAGA_METRICS.cancelled.name, value: 1, dimensions: { cause: saga.cause } });
  return metrics;
}
