import { METRICS_NAMESPACE } from '@msk-patterns/pipeline';
import { ref } from './arns.js';
import type { Json, Resource } from './types.js';

/** Where a consumer's metrics are: its namespace, and its name as the `service` dimension. */
export interface ConsumerMetrics {
  name: string;
  namespace: string;
}

/**
 * A consumer's metrics, from its declaration (a declaration from before the namespace was declared
 * means the pipeline's default).
 */
export function consumerMetrics(consumer: string, metricsNamespace: string | undefined): ConsumerMetrics {
  return { name: consumer, namespace: metricsNamespace ?? METRICS_NAMESPACE };
}

export interface AlarmTarget {
  /** the SNS topic every alarm notifies, in alarm and back to OK */
  topicArn: string;
}

function alarm(
  target: AlarmTarget,
  description: string,
  metric: { namespace: string; name: string; dimensions: Array<{ Name: string; Value: Json }> },
  rule: { statistic: 'Sum' | 'Maximum'; threshold: number; minutes: number },
): Resource {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      Namespace: metric.namespace,
      MetricName: metric.name,
      Dimensions: metric.dimensions,
      Statistic: rule.statistic,
      Period: 60,
      EvaluationPeriods: rule.minutes,
      DatapointsToAlarm: rule.minutes,
      Threshold: rule.threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      // No data is good news for every metric here: no lag reported, no errors, nothing dead-lettered.
      TreatMissingData: 'notBreaching',
      AlarmActions: [target.topicArn],
      OKActions: [target.topicArn],
    },
  };
}

/**
 * Consumer lag of one event source mapping: `OffsetLag` (AWS/Lambda), per mapping through its
 * `EventSourceMappingUUID` dimension (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
 */
export function offsetLagAlarm(
  target: AlarmTarget,
  mappingLogicalId: string,
  topic: string,
  threshold: number,
  minutes: number,
): Resource {
  return alarm(
    target,
    `${mappingLogicalId}: more than ${threshold} records of ${topic} wait for ${minutes} minutes`,
    {
      namespace: 'AWS/Lambda',
      name: 'OffsetLag',
      dimensions: [{ Name: 'EventSourceMappingUUID', Value: ref(mappingLogicalId) }],
    },
    { statistic: 'Maximum', threshold, minutes },
  );
}

/**
 * What a mapping's own metrics (`MetricsConfig` EventCount) say about records it gave up on
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#event-source-mapping-metrics):
 * sent to the on-failure destination after the retries or the record age ran out — where a committed
 * outbox waits for a redrive — or dropped, its delivery to the destination having failed.
 */
export const MAPPING_FAILURE_METRICS = [
  'OnFailureDestinationDeliveredEventCount',
  'DroppedEventCount',
] as const;
export type MappingFailureMetric = (typeof MAPPING_FAILURE_METRICS)[number];

const MAPPING_FAILURE_MEANING = {
  OnFailureDestinationDeliveredEventCount:
    'records sent to the on-failure destination; a redrive publishes their committed outboxes (npm run dlq -- list --stage <stage>)',
  DroppedEventCount: 'records dropped: their delivery to the on-failure destination failed',
} as const satisfies Record<MappingFailureMetric, string>;

/** One record given up on is one too many: Sum ≥ 1 in a minute, by the mapping's UUID. */
export function mappingFailureAlarm(
  target: AlarmTarget,
  mappingLogicalId: string,
  topic: string,
  metric: MappingFailureMetric,
): Resource {
  return alarm(
    target,
    `${mappingLogicalId} (${topic}): ${MAPPING_FAILURE_MEANING[metric]}`,
    {
      namespace: 'AWS/Lambda',
      name: metric,
      dimensions: [{ Name: 'EventSourceMappingUUID', Value: ref(mappingLogicalId) }],
    },
    { statistic: 'Sum', threshold: 1, minutes: 1 },
  );
}

/** `Errors` or `Throttles` of one function (AWS/Lambda, by FunctionName). */
export function functionAlarm(
  target: AlarmTarget,
  functionLogicalId: string,
  metric: 'Errors' | 'Throttles',
  threshold: number,
): Resource {
  return alarm(
    target,
    `${functionLogicalId}: ${metric.toLowerCase()}`,
    {
      namespace: 'AWS/Lambda',
      name: metric,
      dimensions: [{ Name: 'FunctionName', Value: ref(functionLogicalId) }],
    },
    { statistic: 'Sum', threshold, minutes: 1 },
  );
}

/**
 * Records a consumer failed and left to its mapping, minute after minute: the pipeline's `Failed`
 * metric (records failed or held behind a failed record of their key). A record whose messages were
 * committed but not published is among them: its outbox waits for the redelivery, and once the
 * mapping's retries are spent the record goes to the on-failure destination, where only a redrive
 * publishes it (docs/aws-behaviours.md, "Error handling"). One failure is a retry; failures that
 * last are what this alarm is for.
 */
export function failedAlarm(
  target: AlarmTarget,
  consumer: ConsumerMetrics,
  threshold: number,
  minutes: number,
): Resource {
  return alarm(
    target,
    `${consumer.name}: records failing for ${minutes} minutes; committed outboxes may wait on them (msk-dlq list --stage <stage> once they reach the destination)`,
    {
      namespace: consumer.namespace,
      name: 'Failed',
      dimensions: [{ Name: 'service', Value: consumer.name }],
    },
    { statistic: 'Sum', threshold, minutes },
  );
}

/**
 * Records a consumer dead-lettered: the `DeadLettered` metric the pipeline emits (Powertools Metrics,
 * EMF), whose `service` dimension is the consumer's name.
 */
export function deadLetteredAlarm(
  target: AlarmTarget,
  consumer: ConsumerMetrics,
  threshold: number,
): Resource {
  return alarm(
    target,
    `${consumer.name}: records dead-lettered (msk-dlq list --stage <stage>)`,
    {
      namespace: consumer.namespace,
      name: 'DeadLettered',
      dimensions: [{ Name: 'service', Value: consumer.name }],
    },
    { statistic: 'Sum', threshold, minutes: 1 },
  );
}
