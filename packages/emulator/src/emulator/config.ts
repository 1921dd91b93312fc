import { readFileSync } from 'node:fs';
import { functionKeyOf } from '@msk-patterns/serverless-plugin';
import { EmulatorError } from '../errors.js';
import type { ServerlessConfig } from '../infra/serverless-config.js';
import type { MappingConfig } from './types.js';

/** Kafka trigger defaults and limits (docs/aws-behaviours.md, "Batching, ordering and offsets" and "Error handling"). */
const DEFAULT_BATCH_SIZE = 100;
const DEFAULT_KAFKA_WINDOW_SECONDS = 0.5;
const MAX_KAFKA_TIMEOUT_SECONDS = 14 * 60;
/** "Infinite retries together with an on-failure destination are capped at 10 retries." (docs/aws-behaviours.md, "Error handling") */
const INFINITE_RETRIES_WITH_DESTINATION = 10;

export class MappingConfigError extends EmulatorError {
  override readonly name = 'MappingConfigError';
}

export interface PackagedTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/**
 * The packaged CloudFormation template, as `serverless package` wrote it.
 *
 * @param path - the template's file (`packageStage`)
 * @example
 * ```ts
 * const template = readTemplate('.serverless/cloudformation-template-update-stack.json');
 * Object.keys(template.Resources).length;
 * ```
 */
export function readTemplate(path: string): PackagedTemplate {
  return JSON.parse(readFileSync(path, 'utf8')) as PackagedTemplate;
}

/** The serverless.yml function key whose generated Lambda logical id is `logicalId`. */
function functionKeyIn(config: ServerlessConfig, functionLogicalId: string): string {
  const key = functionKeyOf(Object.keys(config.functions), functionLogicalId);
  if (!key) throw new MappingConfigError(`no function in serverless.yml is deployed as ${functionLogicalId}`);
  return key;
}

function destinationTopicOf(
  logicalId: string,
  topic: string,
  properties: Record<string, unknown>,
): string | undefined {
  const destination = (properties.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)
    ?.OnFailure?.Destination;
  if (destination === undefined) return undefined;
  if (!destination.startsWith('kafka://')) {
    throw new MappingConfigError(
      `${logicalId}: only kafka:// on-failure destinations run locally, not ${destination}`,
    );
  }
  const destinationTopic = destination.slice('kafka://'.length);
  // "the topic must be in the same cluster and must not be a source topic" (docs/aws-behaviours.md, "Error handling")
  if (destinationTopic === topic) {
    throw new MappingConfigError(
      `${logicalId}: the on-failure destination ${destination} is its own source topic`,
    );
  }
  return destinationTopic;
}

/**
 * Every `AWS::Lambda::EventSourceMapping` of the packaged template — the merged configuration that
 * would deploy, `resources.extensions` included — with AWS's defaults filled in.
 *
 * @param template - the packaged CloudFormation template (`readTemplate`)
 * @param config - serverless.yml, resolved: function keys, handlers, timeouts
 * @example
 * ```ts
 * const mappings = mappingsFromTemplate(readTemplate('.serverless/cloudformation-template-update-stack.json'), config);
 * mappings.map((mapping) => `${mapping.functionKey} ← ${mapping.topic}`);
 * ```
 */
export function mappingsFromTemplate(template: PackagedTemplate, config: ServerlessConfig): MappingConfig[] {
  const mappings: MappingConfig[] = [];
  const sourceTopics = new Set<string>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const properties = resource.Properties ?? {};
    const [topic] = (properties.Topics as string[] | undefined) ?? [];
    if (!topic) throw new MappingConfigError(`${logicalId} has no topic`);
    sourceTopics.add(topic);
    const functionName = properties.FunctionName as { 'Fn::GetAtt'?: [string, string] };
    const functionKey = functionKeyIn(config, functionName['Fn::GetAtt']?.[0] ?? '');
    const fn = config.functions[functionKey] as { handler: string; timeout?: number };
    const timeoutSeconds = Math.min(
      fn.timeout ?? Number(config.provider.timeout ?? 6),
      MAX_KAFKA_TIMEOUT_SECONDS,
    );
    const destinationTopic = destinationTopicOf(logicalId, topic, properties);
    const retries = (properties.MaximumRetryAttempts as number | undefined) ?? -1;
    if (properties.StartingPosition === 'AT_TIMESTAMP') {
      throw new MappingConfigError(
        `${logicalId}: StartingPosition AT_TIMESTAMP is not emulated; use TRIM_HORIZON or LATEST locally`,
      );
    }
    const patterns =
      (properties.FilterCriteria as { Filters?: Array<{ Pattern: string }> } | undefined)?.Filters ?? [];
    mappings.push({
      logicalId,
      functionKey,
      handler: fn.handler,
      timeoutSeconds,
      eventSourceArn: String(properties.EventSourceArn),
      topic,
      consumerGroupId:
        (properties.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId?: string } | undefined)
          ?.ConsumerGroupId ?? logicalId,
      startingPosition:
        (properties.StartingPosition as MappingConfig['startingPosition'] | undefined) ?? 'LATEST',
      enabled: properties.Enabled !== false,
      batchSize: (properties.BatchSize as number | undefined) ?? DEFAULT_BATCH_SIZE,
      batchingWindowMs:
        ((properties.MaximumBatchingWindowInSeconds as number | undefined) ?? DEFAULT_KAFKA_WINDOW_SECONDS) *
        1000,
      filterPatterns: patterns.map((filter) => JSON.parse(filter.Pattern) as unknown),
      maximumRetryAttempts: retries === -1 && destinationTopic ? INFINITE_RETRIES_WITH_DESTINATION : retries,
      maximumRecordAgeSeconds: (properties.MaximumRecordAgeInSeconds as number | undefined) ?? -1,
      bisectBatchOnFunctionError: properties.BisectBatchOnFunctionError === true,
      reportBatchItemFailures: ((properties.FunctionResponseTypes as string[] | undefined) ?? []).includes(
        'ReportBatchItemFailures',
      ),
      destinationTopic,
    });
  }
  for (const mapping of mappings) {
    if (mapping.destinationTopic && sourceTopics.has(mapping.destinationTopic)) {
      throw new MappingConfigError(
        `${mapping.logicalId}: the on-failure destination kafka://${mapping.destinationTopic} is a source topic`,
      );
    }
  }
  return mappings;
}

/** One EventBridge schedule rule of the packaged template that targets a function. */
export interface ScheduleConfig {
  logicalId: string;
  functionKey: string;
  handler: string;
  timeoutSeconds: number;
  expression: string;
  rateMs: number;
  enabled: boolean;
}

const RATE_UNITS_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `rate(5 minutes)` → 300000. Cron expressions are refused: the emulator only keeps rates. */
export function rateMs(logicalId: string, expression: string): number {
  const match = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression.trim());
  const unit = match?.[2] && RATE_UNITS_MS[match[2]];
  if (!match || !unit)
    throw new MappingConfigError(`${logicalId}: schedule ${expression} is not emulated; use rate(N unit)`);
  return Number(match[1]) * unit;
}

/**
 * Every `AWS::Events::Rule` with a ScheduleExpression whose target is one of the service's functions.
 *
 * @param template - the packaged CloudFormation template
 * @param config - serverless.yml, resolved
 * @example
 * ```ts
 * for (const schedule of schedulesFromTemplate(template, config)) console.log(schedule.functionKey, schedule.rateMs);
 * ```
 */
export function schedulesFromTemplate(
  template: PackagedTemplate,
  config: ServerlessConfig,
): ScheduleConfig[] {
  const schedules: ScheduleConfig[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type !== 'AWS::Events::Rule' || typeof properties.ScheduleExpression !== 'string') continue;
    const targets = (properties.Targets as Array<{ Arn?: { 'Fn::GetAtt'?: [string, string] } }>) ?? [];
    for (const target of targets) {
      const functionKey = functionKeyIn(config, target.Arn?.['Fn::GetAtt']?.[0] ?? '');
      const fn = config.functions[functionKey] as { handler: string; timeout?: number };
      schedules.push({
        logicalId,
        functionKey,
        handler: fn.handler,
        timeoutSeconds: fn.timeout ?? Number(config.provider.timeout ?? 6),
        expression: properties.ScheduleExpression,
        rateMs: rateMs(logicalId, properties.ScheduleExpression),
        enabled: properties.State !== 'DISABLED',
      });
    }
  }
  return schedules;
}
