import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { deadLetterTopic } from '@msk-patterns/pipeline';
import type { Statement, Template } from '@msk-patterns/serverless-plugin';
import { functionLogicalIds } from '@msk-patterns/serverless-plugin';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import * as z from 'zod';
import { ORDER_METRICS } from '../../functions/orders/metrics.js';
import { SAGA_METRICS } from '../../functions/saga/metrics.js';
import { ALL_TOPICS, SOURCE_TOPICS } from '../../lib/contracts/topics.js';
import { validateAgainstSpecification } from '../support/cloudformation-schema.js';
import { functionRoles, readTemplate, resourcesOfType, roleStatements } from '../support/template.js';

const run = promisify(execFile);

/** The parts of a dashboard body (CloudWatch's DashboardBody JSON) this test reads. */
const dashboardBody = z.object({
  widgets: z.array(
    z.object({
      properties: z.object({
        title: z.string(),
        metrics: z.array(z.array(z.unknown())),
        annotations: z.optional(z.object({ horizontal: z.array(z.object({ value: z.number() })) })),
      }),
    }),
  ),
});

const QUERY_FUNCTIONS = ['getOrder', 'listCustomerOrders', 'getOrderAsOf', 'listOrderEvents', 'getSaga'];
const WRITE_ACTION = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$|^kafka-cluster:WriteData/;

/** Every action a role allows on `*`. */
const actionsOnAnyResource = (statements: Statement[]) =>
  statements.filter((statement) => statement.Resource.includes('*')).flatMap((statement) => statement.Action);

describe.each(['dev', 'example'] as const)('the packaged template of stage %s', (stage) => {
  let template: Template;
  beforeAll(() => {
    template = readTemplate(inject('packagedTemplates')[stage]);
  });

  it('validates against the CloudFormation resource specification (registry schemas, via @aws-cdk/aws-service-spec)', async () => {
    expect(await validateAgainstSpecification(template)).toEqual([]);
  });

  it('gives each function a role of its own, and grants no kafka-cluster or dynamodb action on "*" (of kafka:*, only GetBootstrapBrokers, which has no resource type)', () => {
    const roles = functionRoles(template);
    expect(Object.keys(roles)).toHaveLength(12);
    expect(new Set(Object.values(roles)).size).toBe(12);
    expect(resourcesOfType(template, 'AWS::IAM::Role').length).toBeGreaterThanOrEqual(4);
    for (const role of Object.values(roles)) {
      const wide = actionsOnAnyResource(roleStatements(template, role));
      const scoped = wide.filter((action) => /^(kafka-cluster|kafka|dynamodb):/.test(action));
      expect(
        scoped.filter((action) => action !== 'kafka:GetBootstrapBrokers'),
        role,
      ).toEqual([]);
    }
  });

  it('runs every function that talks to Kafka in the VPC, with WriteData for its dead letters', () => {
    const roles = functionRoles(template);
    const mapped = new Set(
      resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([, mapping]) =>
        JSON.stringify(mapping.Properties?.FunctionName),
      ),
    );
    let kafkaFunctions = 0;
    for (const [key, role] of Object.entries(roles)) {
      const logicalId = functionLogicalIds(key).function;
      const writes = roleStatements(template, role).some((statement) =>
        statement.Action.includes('kafka-cluster:WriteData'),
      );
      const triggered = mapped.has(JSON.stringify({ 'Fn::GetAtt': [logicalId, 'Arn'] }));
      if (!triggered && !writes) continue;
      kafkaFunctions++;
      expect(template.Resources[logicalId]?.Properties?.VpcConfig, key).toBeDefined();
      expect(writes, key).toBe(true);
    }
    expect(kafkaFunctions).toBe(7);
  });

  it('lets no query function write anything', () => {
    const roles = functionRoles(template);
    for (const key of QUERY_FUNCTIONS) {
      const actions = roleStatements(template, roles[key] ?? '').flatMap((statement) => statement.Action);
      expect(
        actions.filter((action) => WRITE_ACTION.test(action)),
        key,
      ).toEqual([]);
      expect(actions, key).toContain('dynamodb:GetItem');
    }
  });

  it('creates every source and dead-letter topic, and each mapping depends on its topic and its destination ("the destination topic must exist")', () => {
    const topics = resourcesOfType(template, 'AWS::MSK::Topic');
    expect(topics.map(([, topic]) => topic.Properties?.TopicName).sort()).toEqual([...ALL_TOPICS].sort());
    const idOf = new Map(topics.map(([id, topic]) => [topic.Properties?.TopicName, id]));
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(9);
    for (const [id, mapping] of mappings) {
      const [topic] = (mapping.Properties?.Topics ?? []) as string[];
      expect(SOURCE_TOPICS).toContain(topic);
      expect(mapping.Properties?.DestinationConfig, id).toEqual({
        OnFailure: { Destination: `kafka://${deadLetterTopic(topic ?? '')}` },
      });
      expect(mapping.DependsOn, id).toEqual(
        expect.arrayContaining([idOf.get(topic), idOf.get(deadLetterTopic(topic ?? ''))]),
      );
      expect(mapping.Properties?.MetricsConfig, id).toEqual({
        Metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'],
      });
    }
  });

  it('alarms on the consumer lag of every mapping and on every record it gives up on, on errors and throttles of every function, on dead letters and on lasting failures', () => {
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(
      ([, alarm]) => alarm.Properties ?? {},
    );
    // A record sent to the on-failure destination may hold a committed outbox that only a redrive
    // publishes (the outbox guarantee): the mapping's own EventCount metrics say so at once.
    for (const [id] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping'))
      for (const metric of ['OffsetLag', 'OnFailureDestinationDeliveredEventCount', 'DroppedEventCount'])
        expect(
          alarms.some(
            (alarm) =>
              alarm.MetricName === metric &&
              alarm.Namespace === 'AWS/Lambda' &&
              JSON.stringify(alarm.Dimensions) ===
                JSON.stringify([{ Name: 'EventSourceMappingUUID', Value: { Ref: id } }]),
          ),
          `${id} ${metric}`,
        ).toBe(true);
    for (const [id] of resourcesOfType(template, 'AWS::Lambda::Function'))
      for (const metric of ['Errors', 'Throttles'])
        expect(
          alarms.some(
            (alarm) => alarm.MetricName === metric && JSON.stringify(alarm.Dimensions).includes(`"${id}"`),
          ),
          `${id} ${metric}`,
        ).toBe(true);
    expect(alarms.filter((alarm) => alarm.MetricName === 'DeadLettered')).toHaveLength(6);
    // A record failing on and on may hold a committed outbox that only its redelivery publishes.
    const failed = alarms.filter((alarm) => alarm.MetricName === 'Failed');
    expect(failed).toHaveLength(6);
    for (const alarm of failed)
      expect(alarm).toMatchObject({ Namespace: 'KafkaPatterns', EvaluationPeriods: 5 });
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([expect.stringMatching(/^arn:aws:sns:/)]);
  });

  it('graphs every alarmed metric on the dashboard with its threshold, and each mapping, function and declared business metric', () => {
    // Prepare: the dashboard's body as CloudFormation substitutes it (a Ref is ${LogicalId})
    const [[, dashboard] = []] = resourcesOfType(template, 'AWS::CloudWatch::Dashboard');
    const body = dashboard?.Properties?.DashboardBody;
    const text = body && typeof body === 'object' && !Array.isArray(body) ? body['Fn::Sub'] : undefined;
    if (typeof text !== 'string') throw new Error('no dashboard body');
    const { widgets } = dashboardBody.parse(JSON.parse(text));
    const graphed = (parts: string[]) =>
      widgets.filter((widget) =>
        widget.properties.metrics.some(
          (line) => JSON.stringify(line.filter((part) => typeof part === 'string')) === JSON.stringify(parts),
        ),
      );
    const sub = (value: unknown) =>
      value && typeof value === 'object' && 'Ref' in value ? `\${${String(value.Ref)}}` : String(value);

    // Assess: every alarm's metric, with the alarm's threshold on its graph
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(30);
    for (const [id, alarm] of alarms) {
      const properties = alarm.Properties ?? {};
      const dimensions = z
        .array(z.object({ Name: z.string(), Value: z.unknown() }))
        .parse(properties.Dimensions);
      const parts = [
        String(properties.Namespace),
        String(properties.MetricName),
        ...dimensions.flatMap((d) => [d.Name, sub(d.Value)]),
      ];
      const [widget] = graphed(parts);
      expect(widget, id).toBeDefined();
      expect(
        widget?.properties.annotations?.horizontal.map((line) => line.value),
        id,
      ).toContain(properties.Threshold);
    }
    for (const [id] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping'))
      for (const metric of ['OffsetLag', 'PolledEventCount', 'InvokedEventCount', 'FailedInvokeEventCount'])
        expect(
          graphed(['AWS/Lambda', metric, 'EventSourceMappingUUID', `\${${id}}`]),
          `${id} ${metric}`,
        ).toHaveLength(1);
    for (const [id] of resourcesOfType(template, 'AWS::Lambda::Function'))
      for (const metric of ['Invocations', 'Errors', 'Throttles', 'Duration', 'ConcurrentExecutions'])
        expect(graphed(['AWS/Lambda', metric, 'FunctionName', `\${${id}}`]), `${id} ${metric}`).toHaveLength(
          1,
        );
    // the business metrics the consumers declare: orders by kind, sagas by outcome and cause
    const titles = widgets.map((widget) => widget.properties.title);
    for (const { description } of [...Object.values(ORDER_METRICS), ...Object.values(SAGA_METRICS)])
      expect(
        titles.some((title) => title.startsWith(description)),
        description,
      ).toBe(true);
    expect(JSON.stringify(widgets)).toContain(
      'SEARCH(\'{KafkaPatterns,service,cause} MetricName=\\"SagasCancelled\\" service=\\"orderSaga\\"\'',
    );
  });

  it("has every mapping send its pollers' warnings to its function's log group (LoggingConfig, provisioned mode)", () => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
    for (const [id, mapping] of mappings) {
      expect(mapping.Properties?.LoggingConfig, id).toEqual({ SystemLogLevel: 'WARN' });
      expect(mapping.Properties?.ProvisionedPollerConfig, id).toBeDefined();
    }
  });

  it('authorizes every route with IAM (SigV4), throttles the API, and stops HTTP functions before API Gateway’s 30 s', () => {
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route');
    expect(routes).toHaveLength(5);
    for (const [id, route] of routes) expect(route.Properties?.AuthorizationType, id).toBe('AWS_IAM');
    expect(template.Resources.HttpApiStage?.Properties?.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: expect.any(Number),
      ThrottlingBurstLimit: expect.any(Number),
    });
    const roles = functionRoles(template);
    for (const key of QUERY_FUNCTIONS) {
      const logicalId = functionLogicalIds(key).function;
      expect(Number(template.Resources[logicalId]?.Properties?.Timeout), key).toBeLessThanOrEqual(29);
      expect(roles[key]).toBeTruthy();
    }
  });

  it('protects every table: point-in-time recovery, deletion protection, Retain on delete and replace', () => {
    const tables = resourcesOfType(template, 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(7);
    for (const [id, table] of tables) {
      expect(table, id).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        },
      });
    }
  });

  it('deploys nothing from the packaging shell: functions ask the cluster for brokers over MSK IAM, and fail no payment on purpose', () => {
    for (const [id, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
      const { Variables: variables } = (fn.Properties?.Environment ?? { Variables: {} }) as {
        Variables: Record<string, string>;
      };
      expect(variables, id).toMatchObject({
        KAFKA_AUTH: 'iam',
        MSK_CLUSTER_ARN: expect.stringMatching(/^arn:aws:kafka:/),
        PAYMENT_PROVIDER_FAILURE_RATE: '0',
      });
      expect(variables.KAFKA_BROKERS, id).toBeUndefined();
      expect(JSON.stringify(variables), id).not.toMatch(/localhost|127\.0\.0\.1/);
    }
  });
});

describe('stages fail closed', () => {
  it('refuses to package a stage without its parameters, naming each one that is missing', async () => {
    // Act: no params.prod in serverless.yml, none on the command line.
    const failure = await run('npx', ['serverless', 'package', '--stage', 'prod'], { timeout: 120_000 }).then(
      () => undefined,
      (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
    );

    // Assess
    expect(failure).toBeDefined();
    for (const parameter of [
      'mskClusterArn',
      'subnetIds',
      'securityGroupIds',
      'alarmTopicArn',
      'topicReplicationFactor',
    ])
      expect(failure).toContain(`custom.stageParameters.${parameter}": Value not found at "param" source`);
  }, 120_000);
});
