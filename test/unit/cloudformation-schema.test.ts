import { describe, expect, it } from 'vitest';
import { validateAgainstSpecification } from '../support/cloudformation-schema.js';

const CLUSTER = 'arn:aws:kafka:eu-west-1:123456789012:cluster/orders/abc-1';

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
