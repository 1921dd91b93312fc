import type { MetricDeclaration } from '@msk-patterns/pipeline';
import type { ConsumerMetrics } from './alarms.js';
import { DeploymentError } from './errors.js';
import type { Json, Resource } from './types.js';

/** What the dashboard shows: the service's mappings, its functions, and every alarm already made. */
export interface DashboardParts {
  mappings: ReadonlyArray<{ logicalId: string; topic: string; functionKey: string }>;
  functions: ReadonlyArray<{
    key: string;
    logicalId: string;
    /** a Kafka consumer's metrics, and the business metrics it declares */
    consumer?: (ConsumerMetrics & { metrics: readonly MetricDeclaration[] }) | undefined;
  }>;
  /** the alarms, by logical id: each one's metric must be on a graph, with its threshold */
  alarms: Readonly<Record<string, Resource>>;
}

/** One line of a metric widget: namespace, name, dimension name and value pairs, then options. */
type MetricLine = Json[];
interface Graph {
  title: string;
  lines: MetricLine[];
  stat: string;
  /** horizontal lines: the alarms' thresholds */
  thresholds: Array<{ label: string; value: number }>;
  width: number;
}

/** `${Name}` in a `Fn::Sub` string: a logical id's Ref, or a pseudo parameter. */
const subVariable = (name: string) => `\${${name}}`;

/** A dimension value for `Fn::Sub`: a `Ref` becomes `${LogicalId}`, the name or UUID CloudFormation gives it. */
function substituted(value: Json): string {
  if (typeof value === 'string') return value.replaceAll('${', '${!');
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.Ref === 'string')
    return subVariable(value.Ref);
  throw new DeploymentError(`a dashboard dimension must be a string or a Ref, not ${JSON.stringify(value)}`);
}

const line = (
  namespace: string,
  name: string,
  dimensions: Array<[string, Json]>,
  options: Record<string, Json> = {},
) => [
  namespace,
  name,
  ...dimensions.flatMap(([key, value]) => [key, substituted(value)]),
  ...(Object.keys(options).length > 0 ? [options] : []),
];

/** What Lambda counts for a Kafka mapping's records (MetricsConfig EventCount). */
const MAPPING_RECORD_METRICS = [
  'PolledEventCount',
  'FilteredOutEventCount',
  'InvokedEventCount',
  'FailedInvokeEventCount',
  'DroppedEventCount',
  'OnFailureDestinationDeliveredEventCount',
] as const;

/** The pipeline's per-batch metrics of a consumer (packages/pipeline, `consumer`). */
const CONSUMER_METRICS = ['Processed', 'Duplicates', 'DeadLettered', 'Failed', 'Retries'] as const;

function businessGraph(consumer: ConsumerMetrics, metric: MetricDeclaration): Graph {
  const stats = metric.unit === 'Milliseconds' ? ['p50', 'p99'] : ['Sum'];
  if (metric.dimensions.length === 0)
    return {
      title: `${metric.description} (${consumer.name})`,
      lines: stats.map((stat) =>
        line(consumer.namespace, metric.name, [['service', consumer.name]], { stat, label: stat }),
      ),
      stat: stats[0] ?? 'Sum',
      thresholds: [],
      width: 8,
    };
  // One line per dimension value, found by a search: the values (causes, outcomes) need no list here.
  const schema = [consumer.namespace, 'service', ...metric.dimensions].join(',');
  return {
    title: `${metric.description} (${consumer.name})`,
    lines: stats.map((stat, index) => [
      {
        expression: `SEARCH('{${schema}} MetricName="${metric.name}" service="${consumer.name}"', '${stat}', 60)`,
        id: `e${index}`,
        label: stat,
      },
    ]),
    stat: stats[0] ?? 'Sum',
    thresholds: [],
    width: 8,
  };
}

function graphsOf(parts: DashboardParts): Graph[] {
  const graphs: Graph[] = [];
  for (const fn of parts.functions)
    for (const metric of fn.consumer?.metrics ?? [])
      if (fn.consumer) graphs.push(businessGraph(fn.consumer, metric));
  for (const mapping of parts.mappings) {
    const uuid: Array<[string, Json]> = [['EventSourceMappingUUID', { Ref: mapping.logicalId }]];
    graphs.push({
      title: `Lag: ${mapping.topic} → ${mapping.functionKey}`,
      lines: [line('AWS/Lambda', 'OffsetLag', uuid)],
      stat: 'Maximum',
      thresholds: [],
      width: 8,
    });
    graphs.push({
      title: `Records: ${mapping.topic} → ${mapping.functionKey}`,
      lines: MAPPING_RECORD_METRICS.map((name) => line('AWS/Lambda', name, uuid)),
      stat: 'Sum',
      thresholds: [],
      width: 16,
    });
  }
  for (const fn of parts.functions) {
    const name: Array<[string, Json]> = [['FunctionName', { Ref: fn.logicalId }]];
    graphs.push({
      title: `${fn.key}: invocations, errors, throttles`,
      lines: ['Invocations', 'Errors', 'Throttles'].map((metric) => line('AWS/Lambda', metric, name)),
      stat: 'Sum',
      thresholds: [],
      width: 8,
    });
    graphs.push({
      title: `${fn.key}: duration`,
      lines: ['p50', 'p99', 'Maximum'].map((stat) =>
        line('AWS/Lambda', 'Duration', name, { stat, label: stat }),
      ),
      stat: 'p50',
      thresholds: [],
      width: 8,
    });
    graphs.push({
      title: `${fn.key}: concurrency`,
      lines: [line('AWS/Lambda', 'ConcurrentExecutions', name)],
      stat: 'Maximum',
      thresholds: [],
      width: 8,
    });
    if (fn.consumer) {
      const { namespace, name: consumer } = fn.consumer;
      graphs.push({
        title: `${fn.key}: records (pipeline), dead letters`,
        lines: CONSUMER_METRICS.map((metric) => line(namespace, metric, [['service', consumer]])),
        stat: 'Sum',
        thresholds: [],
        width: 24,
      });
    }
  }
  return graphs;
}

const sameLine = (a: Json[], b: Json[]) =>
  JSON.stringify(a.filter((part) => typeof part === 'string')) ===
  JSON.stringify(b.filter((part) => typeof part === 'string'));

/**
 * A CloudWatch dashboard for the stack, generated from what the stack declares: per mapping its lag
 * and what Lambda counts of its records; per function invocations, errors, throttles, duration and
 * concurrency; per consumer the pipeline's figures; the business metrics the consumers declare. Every
 * alarm's metric is on one of the graphs, with the alarm's threshold drawn on it — an alarm whose
 * metric is on no graph stops packaging.
 *
 * @param parts - the mappings, functions and alarms of the stack
 * @returns the `AWS::CloudWatch::Dashboard` resource, named after the stack
 * @example
 * ```ts
 * template.Resources.OperationsDashboard = dashboardResource({
 *   mappings: [{ logicalId: 'AuditEventSourceMapping', topic: 'orders.commands', functionKey: 'audit' }],
 *   functions: [{ key: 'audit', logicalId: 'AuditLambdaFunction' }],
 *   alarms: { AuditLambdaFunctionErrorsAlarm: template.Resources.AuditLambdaFunctionErrorsAlarm },
 * });
 * ```
 */
export function dashboardResource(parts: DashboardParts): Resource {
  const graphs = graphsOf(parts);
  for (const [alarmId, alarm] of Object.entries(parts.alarms)) {
    const properties = alarm.Properties ?? {};
    const dimensions = Array.isArray(properties.Dimensions) ? properties.Dimensions : [];
    const alarmed = line(
      String(properties.Namespace),
      String(properties.MetricName),
      dimensions.map((dimension) =>
        dimension && typeof dimension === 'object' && !Array.isArray(dimension)
          ? [String(dimension.Name), dimension.Value ?? null]
          : ['', null],
      ),
    );
    const graph = graphs.find((candidate) => candidate.lines.some((drawn) => sameLine(drawn, alarmed)));
    if (!graph)
      throw new DeploymentError(`the alarm ${alarmId} watches a metric no dashboard graph shows`, {
        alarm: alarmId,
      });
    graph.thresholds.push({
      label: `${alarmId} at ${Number(properties.Threshold)}`,
      value: Number(properties.Threshold),
    });
  }
  let x = 0;
  let y = 0;
  const widgets: Json[] = graphs.map((graph) => {
    if (x + graph.width > 24) {
      x = 0;
      y += 6;
    }
    const widget = {
      type: 'metric',
      x,
      y,
      width: graph.width,
      height: 6,
      properties: {
        title: graph.title,
        region: subVariable('AWS::Region'),
        view: 'timeSeries',
        stat: graph.stat,
        period: 60,
        metrics: graph.lines,
        ...(graph.thresholds.length > 0 ? { annotations: { horizontal: graph.thresholds } } : {}),
      },
    };
    x += graph.width;
    return widget;
  });
  return {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      DashboardName: { Ref: 'AWS::StackName' },
      DashboardBody: { 'Fn::Sub': JSON.stringify({ start: '-PT3H', widgets }) },
    },
  };
}
