import { deadLetterTopic, MAX_RECORD_AGE_HOURS } from '@msk-patterns/pipeline';
import {
  deadLetteredAlarm,
  failedAlarm,
  functionAlarm,
  MAPPING_FAILURE_METRICS,
  mappingFailureAlarm,
  offsetLagAlarm,
} from './alarms.js';
import { clusterArns, logicalName } from './arns.js';
import { type FunctionDeclaration, functionDeclarations } from './declarations.js';
import { functionKeyOf, functionLogicalIds } from './naming.js';
import { functionRole } from './roles.js';
import { topicLogicalId, topicResources } from './topics.js';
import type { Json, Resource, ServiceDescription, Template } from './types.js';

export class DeploymentError extends Error {
  override readonly name = 'DeploymentError';
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
 * (packages/pipeline/src/store/idempotency.ts, MARKER_LIFETIME_SECONDS): older, a redrive could no longer find the
 * committed outbox of its record. Lambda's default, -1, never gives up.
 */
function assertRecordAgeBounded(kafkaMapping: Record<string, Json>): void {
  const age = kafkaMapping.MaximumRecordAgeInSeconds;
  const largest = MAX_RECORD_AGE_HOURS * 3600;
  if (typeof age !== 'number' || age < 60 || age > largest)
    throw new DeploymentError(
      `custom.kafkaMapping.MaximumRecordAgeInSeconds must be set, between 60 and ${largest} (got ${JSON.stringify(age ?? null)})`,
    );
}

/** The table environment variables of serverless.yml → the logical ids of the tables they name. */
function tablesByVariable(template: Template, environment: Record<string, Json>): Record<string, string> {
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
 * Everything the deployment adds to the framework's template, so that the stack works on its first
 * deploy: the topics, one role per function generated from what its handler declares, the mappings'
 * error controls, destinations and metrics, alarms, and the HTTP API's throttling.
 * `template` is the compiled template after the framework compiled the functions and their events,
 * with `resources` (the tables) merged.
 */
export function extendTemplate(
  template: Template,
  service: ServiceDescription,
  declarations: Record<string, FunctionDeclaration>,
  environment: Record<string, Json>,
): Template {
  const resources = template.Resources;
  assertRecordAgeBounded(service.kafkaMapping);
  const mappings = mappingsOf(template, Object.keys(service.functions));
  const clusterArn = mappings[0]?.resource.Properties?.EventSourceArn;
  if (typeof clusterArn !== 'string')
    throw new DeploymentError('no Kafka event source mapping names a cluster ARN');
  const cluster = clusterArns(clusterArn);
  const target = { topicArn: service.parameters.alarmTopicArn };

  if (service.createTopics)
    Object.assign(resources, topicResources(clusterArn, service.parameters.topicReplicationFactor));

  for (const mapping of mappings) {
    const destination = deadLetterTopic(mapping.topic);
    mapping.resource.Properties = {
      ...mapping.resource.Properties,
      ...service.kafkaMapping,
      DestinationConfig: { OnFailure: { Destination: `kafka://${destination}` } },
    };
    // "The destination topic must exist": create both topics before the mapping.
    if (service.createTopics)
      mapping.resource.DependsOn = [
        ...[mapping.resource.DependsOn ?? []].flat(),
        topicLogicalId(mapping.topic),
        topicLogicalId(destination),
      ];
    resources[`${mapping.logicalId}OffsetLagAlarm`] = offsetLagAlarm(
      target,
      mapping.logicalId,
      mapping.topic,
      service.alarms.offsetLag,
      service.alarms.offsetLagMinutes,
    );
    for (const metric of MAPPING_FAILURE_METRICS)
      resources[`${mapping.logicalId}${metric}Alarm`] = mappingFailureAlarm(
        target,
        mapping.logicalId,
        mapping.topic,
        metric,
      );
  }

  const tables = tablesByVariable(template, environment);
  for (const [key, fn] of Object.entries(service.functions)) {
    const ids = functionLogicalIds(key);
    const declaration = declarations[key];
    if (!declaration) throw new DeploymentError(`${key}: no access declaration`);
    if (!fn.role)
      throw new DeploymentError(`${key}: serverless.yml gives it no role; add role: ${logicalName(key)}Role`);
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
    resources[`${ids.function}ErrorsAlarm`] = functionAlarm(
      target,
      ids.function,
      'Errors',
      service.alarms.errors,
    );
    resources[`${ids.function}ThrottlesAlarm`] = functionAlarm(
      target,
      ids.function,
      'Throttles',
      service.alarms.throttles,
    );
    if (declaration.consumer) {
      resources[`${ids.function}DeadLetteredAlarm`] = deadLetteredAlarm(
        target,
        declaration.consumer,
        service.alarms.deadLettered,
      );
      resources[`${ids.function}FailedAlarm`] = failedAlarm(
        target,
        declaration.consumer,
        service.alarms.failed,
        service.alarms.failedMinutes,
      );
    }
  }

  const stage = resources.HttpApiStage;
  if (stage?.Properties) {
    const { rate, burst } = service.httpApiThrottling;
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

export { functionDeclarations };
