import { describe, expect, it } from 'vitest';
import { ClusterArnError, clusterArns } from '../../deploy/arns.js';
import { DeploymentError, extendTemplate } from '../../deploy/cloud.js';
import type { FunctionDeclaration } from '../../deploy/declarations.js';
import { UndeclaredTableError } from '../../deploy/roles.js';
import type { ServiceDescription, Template } from '../../deploy/types.js';
import { ALL_TOPICS } from '../../lib/contracts/topics.js';
import { validateAgainstSpecification } from '../support/cloudformation-schema.js';

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

const service = (createTopics: boolean): ServiceDescription => ({
  functions: { audit: { handler: 'functions/audit/handler.handler', role: 'AuditRole', vpc: {} } },
  kafkaMapping: { MaximumRetryAttempts: 5, MaximumRecordAgeInSeconds: 3600 },
  alarms: {
    offsetLag: 10,
    offsetLagMinutes: 3,
    errors: 1,
    throttles: 1,
    deadLettered: 1,
    failed: 1,
    failedMinutes: 5,
  },
  httpApiThrottling: { rate: 1, burst: 2 },
  parameters: { alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms', topicReplicationFactor: 3 },
  createTopics,
});

const audit: FunctionDeclaration = {
  tables: { AUDIT_TABLE: 'write' },
  consumes: ['orders.commands'],
  consumer: 'audit',
  publishes: [],
};

describe('extendTemplate', () => {
  it('adds the topics, the role, the mapping controls and the alarms', () => {
    const template = extendTemplate(compiled(), service(true), { audit }, { AUDIT_TABLE: 'svc-dev-audit' });

    const mapping = template.Resources.AuditEventSourceMappingMSKOrdersOrderscommands;
    expect(mapping?.DependsOn).toEqual(['AuditRole', 'TopicOrdersCommands', 'TopicOrdersCommandsDlq']);
    expect(mapping?.Properties).toMatchObject({
      MaximumRetryAttempts: 5,
      DestinationConfig: { OnFailure: { Destination: 'kafka://orders.commands.dlq' } },
    });
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    expect(types.filter((type) => type === 'AWS::MSK::Topic')).toHaveLength(ALL_TOPICS.length);
    expect(types.filter((type) => type === 'AWS::CloudWatch::Alarm')).toHaveLength(7);
    expect(JSON.stringify(template.Resources.AuditRole)).toContain(
      'arn:aws:kafka:eu-west-1:123456789012:topic/orders/abc-1/orders.commands.dlq',
    );
  });

  it('creates no topic and no dependency on one when the cluster cannot (createTopics=false)', () => {
    const template = extendTemplate(compiled(), service(false), { audit }, { AUDIT_TABLE: 'svc-dev-audit' });

    expect(Object.values(template.Resources).some((resource) => resource.Type === 'AWS::MSK::Topic')).toBe(
      false,
    );
    expect(template.Resources.AuditEventSourceMappingMSKOrdersOrderscommands?.DependsOn).toEqual([
      'AuditRole',
    ]);
  });

  it('refuses a function without a role, and a declaration naming a table serverless.yml does not have', () => {
    const roleless = {
      ...service(true),
      functions: { audit: { handler: 'functions/audit/handler.handler' } },
    };
    expect(() => extendTemplate(compiled(), roleless, { audit }, {})).toThrow(DeploymentError);
    expect(() => extendTemplate(compiled(), service(true), { audit }, {})).toThrow(UndeclaredTableError);
  });

  it('refuses a mapping that would keep retrying a record longer than its committed outbox is kept', () => {
    // Lambda's default MaximumRecordAgeInSeconds is -1 (never give up); the markers live 7 days past the
    // largest finite age Lambda accepts (604,800 s) plus the dead letter's lifetime.
    for (const age of [undefined, -1, 604_801]) {
      const unbounded = {
        ...service(true),
        kafkaMapping: { MaximumRetryAttempts: 5, MaximumRecordAgeInSeconds: age ?? null },
      };
      expect(
        () => extendTemplate(compiled(), unbounded, { audit }, { AUDIT_TABLE: 'svc-dev-audit' }),
        String(age),
      ).toThrow(/MaximumRecordAgeInSeconds must be set, between 60 and 604800/);
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

describe('the CloudFormation specification check', () => {
  it('finds an unknown property, a value of the wrong type and a missing required property', async () => {
    const errors = await validateAgainstSpecification({
      Resources: {
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { FunctionName: 'f', BatchSize: 'many', MaximumRetries: 3 },
        },
        Topic: {
          Type: 'AWS::MSK::Topic',
          Properties: { ClusterArn: CLUSTER, TopicName: 't', PartitionCount: 1 },
        },
        Unknown: { Type: 'AWS::Nothing::Here' },
      },
    });

    expect(errors).toEqual(
      expect.arrayContaining([
        'Resources.Mapping.MaximumRetries: no such property',
        'Resources.Mapping.BatchSize: expected a number, got "many"',
        'Resources.Topic.ReplicationFactor: required, missing',
        'Resources.Unknown: unknown resource type AWS::Nothing::Here',
      ]),
    );
  });
});
