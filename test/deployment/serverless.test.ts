import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);

/** The Serverless CLI exactly as a user runs it: offline, no AWS credentials. */
function serverless(args: string[], env: Record<string, string> = {}) {
  const {
    AWS_ACCESS_KEY_ID: _key,
    AWS_SECRET_ACCESS_KEY: _secret,
    AWS_PROFILE: _profile,
    ...rest
  } = process.env;
  return run('npx', ['serverless', ...args], { env: { ...rest, ...env }, timeout: 120_000 });
}

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

describe('serverless package (offline, no credentials)', () => {
  let template: Template;

  beforeAll(async () => {
    await serverless(['package']);
    template = JSON.parse(
      readFileSync('.serverless/cloudformation-template-update-stack.json', 'utf8'),
    ) as Template;
  }, 120_000);

  it('generates the MSK event source mapping of the audit slice', () => {
    const mappings = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::EventSourceMapping',
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toMatchObject({
      Topics: ['orders.commands'],
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'kafka-patterns-dev-audit' },
    });
    expect(String(mappings[0]?.Properties.EventSourceArn)).toMatch(/^arn:aws:kafka:/);
  });

  it('declares the audit table with the key the handler writes', () => {
    expect(template.Resources.AuditTable).toMatchObject({
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: 'kafka-patterns-dev-audit',
        KeySchema: [{ AttributeName: 'recordId', KeyType: 'HASH' }],
      },
    });
  });

  it('runs the functions on a supported Node.js runtime (nodejs20.x is deprecated, reference §8)', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.map((f) => f.Properties.Runtime)).toEqual(['nodejs22.x']);
  });
});

describe('serverless invoke local', () => {
  it('runs the TypeScript audit handler with its sample event against DynamoDB Local', async () => {
    // Prepare: a fresh stage-independent check of the sample event's records
    const sample = JSON.parse(readFileSync('events/audit.json', 'utf8')) as {
      records: Record<string, unknown[]>;
    };
    const recordCount = Object.values(sample.records).flat().length;

    // Act: the first run writes, a second run is a redelivery of the same batch
    const first = await serverless(['invoke', 'local', '-f', 'audit', '-p', 'events/audit.json'], {
      DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
    });
    const second = await serverless(['invoke', 'local', '-f', 'audit', '-p', 'events/audit.json'], {
      DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
    });

    // Assess
    expect(JSON.parse(first.stdout)).toEqual({ written: recordCount, duplicates: 0, batchItemFailures: [] });
    expect(JSON.parse(second.stdout)).toEqual({ written: 0, duplicates: recordCount, batchItemFailures: [] });
  }, 120_000);
});
