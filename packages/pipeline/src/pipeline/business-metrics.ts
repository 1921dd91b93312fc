import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BusinessMetric, MetricDeclaration, RecordReport } from './types.js';

/** Where a batch's business metrics go: the consumer's namespace and name (the `service` dimension). */
export interface MetricsSink {
  namespace: string;
  serviceName: string;
  /** the consumer's own metric set, flushed after the batch: metrics without dimensions join it */
  metrics: Metrics;
  logger: Pick<Logger, 'warn'>;
}

const dimensionKey = (dimensions: Readonly<Record<string, string>>) =>
  JSON.stringify(Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b)));

function matches(metric: BusinessMetric, declared: MetricDeclaration): boolean {
  const given = Object.keys(metric.dimensions ?? {}).sort();
  const expected = [...declared.dimensions].sort();
  return given.length === expected.length && given.every((name, index) => name === expected[index]);
}

/**
 * The business metrics of a batch's processed records, one embedded-metric document per dimension
 * set (EMF gives every metric of a document the same dimensions): metrics without dimensions join the
 * consumer's own set, the rest are flushed here, once each. A metric the consumer did not declare, or
 * one with other dimensions than declared, is left out with a warning — the dashboard graphs what is
 * declared, so nothing is emitted that nobody sees.
 *
 * @param records - the batch's records (only processed ones carry metrics)
 * @param declared - the consumer's `metrics`
 * @param sink - where they go
 */
export function emitBusinessMetrics(
  records: readonly RecordReport[],
  declared: readonly MetricDeclaration[],
  sink: MetricsSink,
): void {
  const byName = new Map(declared.map((declaration) => [declaration.name, declaration]));
  const sets = new Map<
    string,
    { dimensions: Readonly<Record<string, string>>; values: Array<[MetricDeclaration, number]> }
  >();
  for (const record of records)
    for (const metric of record.metrics ?? []) {
      const declaration = byName.get(metric.name);
      if (!declaration || !matches(metric, declaration)) {
        sink.logger.warn('business metric not declared with these dimensions: left out', {
          metric: metric.name,
          dimensions: Object.keys(metric.dimensions ?? {}),
        });
        continue;
      }
      const dimensions = metric.dimensions ?? {};
      const key = dimensionKey(dimensions);
      const set = sets.get(key) ?? { dimensions, values: [] };
      set.values.push([declaration, metric.value]);
      sets.set(key, set);
    }
  for (const { dimensions, values } of sets.values()) {
    const withDimensions = Object.keys(dimensions).length > 0;
    const target = withDimensions
      ? new Metrics({ namespace: sink.namespace, serviceName: sink.serviceName })
      : sink.metrics;
    if (withDimensions) target.addDimensions({ ...dimensions });
    for (const [declaration, value] of values)
      target.addMetric(declaration.name, MetricUnit[declaration.unit], value);
    if (withDimensions) target.publishStoredMetrics();
  }
}
