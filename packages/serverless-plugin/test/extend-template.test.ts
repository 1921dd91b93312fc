import { describe, expect, it } from 'vitest';
import {
  ClusterArnError,
  clusterArns,
  DeploymentError,
  dashboardResource,
  extendTemplate,
  type FunctionDeclaration,
  type PluginOptionsInput,
  pluginOptions,
  type ServiceDescription,
  type Template,
  UndeclaredTableError,
} from '../src/index.js';

const CLUSTER = 'arn:aws:kafka:eu-west-1:123456789012:cluster/orders/abc-1';

/** A compiled template as the framework leaves it: one Kafka function, its mapping, log group and table. */
function compiled(): Template {
  return {
    Resources: {
      AuditLogGroup: {
        Type: 'AWS::Logs::LogGroup',
        Properties: { LogGroupName: '/aws/lambda/svc-dev-audit' },
      },
      AuditLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: {} },
      AuditEventSourceMappingMSKOrdersOrderscommands: {
        Type: 'AWS::Lambda::EventSourceMapping',
        DependsOn: ['AuditRole'],
        Properties: {
          EventSourceArn: CLUSTER,
          FunctionName: { 'Fn::GetAtt': ['AuditLambdaFunction', 'Arn'] },
          Topics: ['orders.commands'],
          AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'svc-dev-audit' },
        },
      },
      AuditTable: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'svc-dev-audit' } },
    },
  };
}

const options = (overrides: Partial<PluginOptionsInput> = {}): PluginOptionsInput => ({
  mapping: { MaximumRetryAttempts: 5, MaximumRecordAgeInSeconds: 3600 },
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
  topicReplicationFactor: 3,
  alarms: { offsetLag: 10, offsetLagMinutes: 3 },
  httpApiThrottling: { rate: 1, burst: 2 },
  ...overrides,
});

/** The audit function: consumes orders.commands and publishes to audit.events. */
const audit: FunctionDeclaration = {
  tables: { AUDIT_TABLE: 'write' },
  consumes: ['orders.commands'],
  consumer: 'audit',
  publishes: ['audit.events'],
};

const service = (
  overrides: Partial<PluginOptionsInput> = {},
  environment: ServiceDescription['environment'] = { AUDIT_TABLE: 'svc-dev-audit' },
): ServiceDescription => ({
  functions: { audit: { handler: 'functions/audit/handler.handler', role: 'AuditRole', vpc: {} } },
  options: pluginOptions({ mskPatterns: options(overrides) }),
  declarations: { audit },
  environment,
});

describe('extendTemplate', () => {
  it('adds the topics, the role, the mapping controls and the alarms', () => {
    // Act
    const template = extendTemplate(compiled(), service());

    // Assess
    const mapping = template.Resources.AuditEventSourceMappingMSKOrdersOrderscommands;
    expect(mapping?.DependsOn).toEqual(['AuditRole', 'TopicOrdersCommands', 'TopicOrdersCommandsDlq']);
    expect(mapping?.Properties).toMatchObject({
      MaximumRetryAttempts: 5,
      DestinationConfig: { OnFailure: { Destination: 'kafka://orders.commands.dlq' } },
    });
    const topics = Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::MSK::Topic')
      .map((resource) => resource.Properties?.TopicName);
    // What it consumes, that topic's dead letters, and what it publishes.
    expect(topics).toEqual(['orders.commands', 'orders.commands.dlq', 'audit.events']);
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    expect(types.filter((type) => type === 'AWS::CloudWatch::Alarm')).toHaveLength(7);
    expect(JSON.stringify(template.Resources.AuditRole)).toContain(
      'arn:aws:kafka:eu-west-1:123456789012:topic/orders/abc-1/orders.commands.dlq',
    );
    expect(
      template.Resources.AuditEventSourceMappingMSKOrdersOrderscommandsOffsetLagAlarm?.Properties,
    ).toMatchObject({ Threshold: 10, EvaluationPeriods: 3 });
  });

  it('graphs every alarm’s metric on the dashboard with its threshold, and refuses an alarm it cannot graph', () => {
    // Prepare
    const template = extendTemplate(compiled(), service());
    const stray = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [],
        Threshold: 1,
      },
    };

    // Act
    const body = JSON.stringify(template.Resources.OperationsDashboard?.Properties?.DashboardBody);
    const graphStray = () =>
      dashboardResource({ mappings: [], functions: [], alarms: { StrayAlarm: stray } });

    // Assess: 7 thresholds drawn, and a metric no graph shows stops packaging
    expect(body.match(/Alarm at /g)).toHaveLength(7);
    expect(graphStray).toThrow(DeploymentError);
    expect(graphStray).toThrow('the alarm StrayAlarm watches a metric no dashboard graph shows');
  });

  it("watches a consumer's metrics in the namespace it declares", () => {
    const own = { ...service(), declarations: { audit: { ...audit, metricsNamespace: 'Loyalty' } } };

    const template = extendTemplate(compiled(), own);

    expect(template.Resources.AuditLambdaFunctionDeadLetteredAlarm?.Properties).toMatchObject({
      Namespace: 'Loyalty',
      MetricName: 'DeadLettered',
      Dimensions: [{ Name: 'service', Value: 'audit' }],
    });
    expect(template.Resources.AuditLambdaFunctionFailedAlarm?.Properties?.Namespace).toBe('Loyalty');
  });

  it('creates no topic and no dependency on one when the cluster cannot (createTopics=false)', () => {
    // `--param="createTopics=false"` arrives as text.
    const template = extendTemplate(compiled(), service({ createTopics: 'false' }));

    expect(Object.values(template.Resources).some((resource) => resource.Type === 'AWS::MSK::Topic')).toBe(
      false,
    );
    expect(template.Resources.AuditEventSourceMappingMSKOrdersOrderscommands?.DependsOn).toEqual([
      'AuditRole',
    ]);
  });

  it('refuses a function without a role, and a declaration naming a table serverless.yml does not have', () => {
    const roleless = { ...service(), functions: { audit: { handler: 'functions/audit/handler.handler' } } };
    expect(() => extendTemplate(compiled(), roleless)).toThrow(DeploymentError);
    expect(() => extendTemplate(compiled(), service({}, {}))).toThrow(UndeclaredTableError);
  });

  it('refuses msk events that disagree with what the handlers read', () => {
    const reads = (consumes: string[]) => ({ ...service(), declarations: { audit: { ...audit, consumes } } });

    expect(() => extendTemplate(compiled(), reads(['orders.commands', 'orders.events']))).toThrow(
      'audit reads orders.events but has no msk event for it',
    );
    expect(() => extendTemplate(compiled(), reads([]))).toThrow(
      'audit has an msk event for orders.commands, which its handler does not read',
    );
  });

  it('refuses a mapping that would keep retrying a record longer than its committed outbox is kept', () => {
    // Lambda's default MaximumRecordAgeInSeconds is -1 (never give up); the markers live 7 days past the
    // largest finite age Lambda accepts (604,800 s) plus the dead letter's lifetime.
    for (const age of [null, -1, 604_801]) {
      const unbounded = service({ mapping: { MaximumRetryAttempts: 5, MaximumRecordAgeInSeconds: age } });
      expect(() => extendTemplate(compiled(), unbounded), String(age)).toThrow(
        /MaximumRecordAgeInSeconds must be set, between 60 and 604800/,
      );
    }
  });
});

describe('MSK resource ARNs', () => {
  it('derives topic and group ARNs from the cluster ARN, and refuses anything else', () => {
    const arns = clusterArns(CLUSTER);
    expect(arns.topic('orders.events')).toBe(
      'arn:aws:kafka:eu-west-1:123456789012:topic/orders/abc-1/orders.events',
    );
    expect(arns.group('g')).toBe('arn:aws:kafka:eu-west-1:123456789012:group/orders/abc-1/g');
    expect(() => clusterArns('arn:aws:sns:eu-west-1:123456789012:x')).toThrow(ClusterArnError);
  });
});
