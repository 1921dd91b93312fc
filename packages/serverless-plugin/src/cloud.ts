import { deadLetterTopic, MAX_RECORD_AGE_HOURS } from '@msk-patterns/pipeline';
import {
  consumerMetrics,
  deadLetteredAlarm,
  failedAlarm,
  functionAlarm,
  MAPPING_FAILURE_METRICS,
  mappingFailureAlarm,
  offsetLagAlarm,
} from './alarms.js';
import { clusterArns, logicalName } from './arns.js';
import { dashboardResource } from './dashboard.js';
import type { FunctionDeclaration } from './declarations.js';
import { DeploymentError } from './errors.js';
import { functionKeyOf, functionLogicalIds } from './naming.js';
import type { PluginOptions } from './options.js';
import { functionRole } from './roles.js';
import { topicLogicalId, topicResources } from './topics.js';
import type { Json, Resource, ServiceFunction, Template } from './types.js';

/** What {@link extendTemplate} needs of the resolved serverless.yml. */
export interface ServiceDescription {
  /** serverless.yml `functions` */
  functions: Readonly<Record<string, ServiceFunction>>;
  /** `custom.mskPatterns`, parsed by `pluginOptions` */
  options: PluginOptions;
  /** each function's declaration, from `functionDeclarations` */
  declarations: Readonly<Record<string, FunctionDeclaration>>;
  /** serverless.yml `provider.environment`: the table variables are found there */
  environment: Readonly<Record<string, Json>>;
}

interface Mapping {
  logicalId: string;
  resource: Resource;
  topic: string;
  group: string;
  functionKey: string;
}

/** The logical id a `Fn::GetAtt [id, attribute]` names. */
function getAttTarget(value: Json | undefined): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const getAtt = value['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

function mappingsOf(template: Template, functionKeys: readonly string[]): Mapping[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::EventSourceMapping')
    .map(([logicalId, resource]) => {
      const properties = resource.Properties ?? {};
      const [topic] = Array.isArray(properties.Topics) ? properties.Topics : [];
      const target = getAttTarget(properties.FunctionName);
      const functionKey = target === undefined ? undefined : functionKeyOf(functionKeys, target);
      const config = properties.AmazonManagedKafkaEventSourceConfig;
      const group =
        config && typeof config === 'object' && !Array.isArray(config) ? config.ConsumerGroupId : undefined;
      if (typeof topic !== 'string' || !functionKey || typeof group !== 'string')
        throw new DeploymentError(
          `${logicalId}: expected one topic, a function of the service and a consumer group`,
          { mapping: logicalId },
        );
      return { logicalId, resource, topic, group, functionKey };
    });
}

/** A function's `vpc` as the framework gives it: `{}` when serverless.yml sets none. */
function inVpc(vpc: unknown): boolean {
  if (typeof vpc !== 'object' || vpc === null || !('subnetIds' in vpc)) return false;
  const { subnetIds } = vpc;
  // A list, or the stage's `Fn::Split` of one.
  return Array.isArray(subnetIds) ? subnetIds.length > 0 : subnetIds !== undefined && subnetIds !== null;
}

/**
 * A mapping must give up on a record within the age the idempotency markers are kept for
 * (`MARKER_LIFETIME_SECONDS` of @msk-patterns/pipeline): older, a redrive could no longer find the
 * committed outbox of its record. Lambda's default, -1, never gives up.
 */
function assertRecordAgeBounded(mapping: Readonly<Record<string, Json>>): void {
  const age = mapping.MaximumRecordAgeInSeconds;
  const largest = MAX_RECORD_AGE_HOURS * 3600;
  if (typeof age !== 'number' || age < 60 || age > largest)
    throw new DeploymentError(
      `custom.mskPatterns.mapping.MaximumRecordAgeInSeconds must be set, between 60 and ${largest} (got ${JSON.stringify(age ?? null)})`,
      { setting: 'custom.mskPatterns.mapping.MaximumRecordAgeInSeconds' },
    );
}

/**
 * A function's `msk` events and the topics its handler reads must be the same: a topic the handler
 * reads without a mapping is never delivered, a mapping's topic the handler does not read dead-letters
 * every record (and its role could not read it).
 */
function assertMappingsMatchDeclarations(
  mappings: readonly Mapping[],
  declarations: Readonly<Record<string, FunctionDeclaration>>,
): void {
  const problems: string[] = [];
  for (const [key, declaration] of Object.entries(declarations)) {
    const mapped = new Set(
      mappings.filter((mapping) => mapping.functionKey === key).map(({ topic }) => topic),
    );
    const consumed = new Set(declaration.consumes ?? []);
    for (const topic of consumed)
      if (!mapped.has(topic)) problems.push(`${key} reads ${topic} but has no msk event for it`);
    for (const topic of mapped)
      if (!consumed.has(topic))
        problems.push(`${key} has an msk event for ${topic}, which its handler does not read`);
  }
  if (problems.length > 0)
    throw new DeploymentError(`the msk events and the handlers disagree: ${problems.join('; ')}`, {
      functions: [...new Set(problems.map((problem) => problem.split(' ')[0]))].join(','),
    });
}

/**
 * The topics the stack creates: each mapping's topic and its dead-letter topic, then every topic a
 * function's module produces to, each once.
 *
 * @param consumed - the mappings' topics
 * @param declarations - each function's declaration
 * @example
 * ```ts
 * serviceTopics(['orders.commands'], declarations);
 * // ['orders.commands', 'orders.commands.dlq', 'orders.events', …every topic a function produces to]
 * ```
 */
export function serviceTopics(
  consumed: readonly string[],
  declarations: Readonly<Record<string, FunctionDeclaration>>,
): string[] {
  const published = Object.values(declarations).flatMap((declaration) => declaration.publishes);
  return [...new Set([...consumed, ...consumed.map(deadLetterTopic), ...published])];
}

/** The table environment variables of serverless.yml → the logical ids of the tables they name. */
function tablesByVariable(
  template: Template,
  environment: Readonly<Record<string, Json>>,
): Record<string, string> {
  const byName = new Map(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::DynamoDB::Table')
      .map(([logicalId, resource]) => [resource.Properties?.TableName, logicalId]),
  );
  const tables: Record<string, string> = {};
  for (const [variable, value] of Object.entries(environment)) {
    const table = byName.get(value);
    if (table) tables[variable] = table;
  }
  return tables;
}

/**
 * Everything the plugin adds to the framework's template, so that the stack works on its first
 * deploy: the topics, one role per function generated from what its handler declares, the mappings'
 * error controls, `kafka://` destinations and metrics, alarms, and the HTTP API's throttling.
 *
 * @param template - the compiled template after the framework compiled the functions and their
 *   events, with `resources` (the tables) merged; changed in place
 * @param service - the functions, the plugin's options, the declarations and the environment
 * @returns the same template
 * @throws DeploymentError naming the setting or function to fix
 * @example
 * ```ts
 * const options = pluginOptions(service.custom);
 * const declarations = await functionDeclarations(serviceDirectory, service.functions);
 * extendTemplate(template, { functions: service.functions, options, declarations, environment });
 * ```
 */
export function extendTemplate(template: Template, service: ServiceDescription): Template {
  const resources = template.Resources;
  const { options, declarations } = service;
  assertRecordAgeBounded(options.mapping);
  const mappings = mappingsOf(template, Object.keys(service.functions));
  const clusterArn = mappings[0]?.resource.Properties?.EventSourceArn;
  if (typeof clusterArn !== 'string')
    throw new DeploymentError('no Kafka event source mapping names a cluster ARN');
  const cluster = clusterArns(clusterArn);
  const target = { topicArn: options.alarmTopicArn };
  const alarms = options.alarms;

  if (options.createTopics) {
    const topics = serviceTopics(
      mappings.map((mapping) => mapping.topic),
      declarations,
    );
    Object.assign(resources, topicResources(clusterArn, options.topicReplicationFactor, topics));
  }

  for (const mapping of mappings) {
    const destination = deadLetterTopic(mapping.topic);
    mapping.resource.Properties = {
      ...mapping.resource.Properties,
      ...options.mapping,
      DestinationConfig: { OnFailure: { Destination: `kafka://${destination}` } },
    };
    // "The destination topic must exist": create both topics before the mapping.
    if (options.createTopics)
      mapping.resource.DependsOn = [
        ...[mapping.resource.DependsOn ?? []].flat(),
        topicLogicalId(mapping.topic),
        topicLogicalId(destination),
      ];
    resources[`${mapping.logicalId}OffsetLagAlarm`] = offsetLagAlarm(
      target,
      mapping.logicalId,
      mapping.topic,
      alarms.offsetLag,
      alarms.offsetLagMinutes,
    );
    for (const metric of MAPPING_FAILURE_METRICS)
      resources[`${mapping.logicalId}${metric}Alarm`] = mappingFailureAlarm(
        target,
        mapping.logicalId,
        mapping.topic,
        metric,
      );
  }

  assertMappingsMatchDeclarations(mappings, declarations);
  const tables = tablesByVariable(template, service.environment);
  for (const [key, fn] of Object.entries(service.functions)) {
    const ids = functionLogicalIds(key);
    const declaration = declarations[key];
    if (!declaration) throw new DeploymentError(`${key}: no access declaration`, { function: key });
    if (!fn.role)
      throw new DeploymentError(
        `${key}: serverless.yml gives it no role; add role: ${logicalName(key)}Role`,
        {
          function: key,
        },
      );
    resources[fn.role] = functionRole({
      functionLogicalId: ids.function,
      logGroupLogicalId: ids.logGroup,
      declaration,
      tables,
      // The framework normalises a function without `vpc` to `{}`: in a VPC means subnets are given.
      inVpc: inVpc(fn.vpc),
      groups: mappings.filter((mapping) => mapping.functionKey === key).map((mapping) => mapping.group),
      cluster,
    });
    resources[`${ids.function}ErrorsAlarm`] = functionAlarm(target, ids.function, 'Errors', alarms.errors);
    resources[`${ids.function}ThrottlesAlarm`] = functionAlarm(
      target,
      ids.function,
      'Throttles',
      alarms.throttles,
    );
    if (declaration.consumer) {
      const consumer = consumerMetrics(declaration.consumer, declaration.metricsNamespace);
      resources[`${ids.function}DeadLetteredAlarm`] = deadLetteredAlarm(
        target,
        consumer,
        alarms.deadLettered,
      );
      resources[`${ids.function}FailedAlarm`] = failedAlarm(
        target,
        consumer,
        alarms.failed,
        alarms.failedMinutes,
      );
    }
  }

  resources.OperationsDashboard = dashboardResource({
    mappings,
    functions: Object.keys(service.functions).map((key) => {
      const declaration = declarations[key];
      return {
        key,
        logicalId: functionLogicalIds(key).function,
        consumer: declaration?.consumer
          ? {
              ...consumerMetrics(declaration.consumer, declaration.metricsNamespace),
              metrics: declaration.metrics ?? [],
            }
          : undefined,
      };
    }),
    alarms: Object.fromEntries(
      Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm'),
    ),
  });

  const stage = resources.HttpApiStage;
  if (stage?.Properties && options.httpApiThrottling) {
    const { rate, burst } = options.httpApiThrottling;
    stage.Properties.DefaultRouteSettings = {
      ...(typeof stage.Properties.DefaultRouteSettings === 'object'
        ? stage.Properties.DefaultRouteSettings
        : {}),
      ThrottlingRateLimit: rate,
      ThrottlingBurstLimit: burst,
    };
  }
  return template;
}
