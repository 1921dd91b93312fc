import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { loadServerlessConfig, offlineEnvironment } from '@msk-patterns/emulator';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DEADLINE_INDEX } from '../../lib/store/sagas.js';

const run = promisify(execFile);

/** The Serverless CLI exactly as a user runs it: offline, no AWS credentials. */
function serverless(args: string[]) {
  return run('npx', ['serverless', ...args], { env: offlineEnvironment(), timeout: 120_000 });
}

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

describe('serverless package (offline, no credentials)', () => {
  let template: Template;

  beforeAll(() => {
    // Packaged by the global setup, as `npx serverless package` (test/setup/infrastructure.ts).
    template = JSON.parse(readFileSync(inject('packagedTemplates').dev, 'utf8')) as Template;
  });

  it('generates the MSK event source mapping of the audit slice', () => {
    const audit = template.Resources.AuditEventSourceMappingMSKOrdersOrderscommands;
    expect(audit?.Type).toBe('AWS::Lambda::EventSourceMapping');
    expect(audit?.Properties).toMatchObject({
      Topics: ['orders.commands'],
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'kafka-patterns-dev-audit' },
    });
    expect(String(audit?.Properties.EventSourceArn)).toMatch(/^arn:aws:kafka:/);
  });

  it('declares the audit table with the key the handler writes', () => {
    expect(template.Resources.AuditTable).toMatchObject({
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: 'kafka-patterns-dev-audit',
        KeySchema: [{ AttributeName: 'messageId', KeyType: 'HASH' }],
      },
    });
  });

  it('declares the idempotency table with TTL on expiresAt, so that markers expire', () => {
    expect(template.Resources.IdempotencyTable).toMatchObject({
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
    });
  });

  it('gives every MSK mapping the error controls and its own dead-letter topic as kafka:// destination (docs/aws-behaviours.md, "Error handling")', () => {
    const mappings = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::EventSourceMapping',
    );
    expect(mappings.length).toBeGreaterThan(0);
    for (const { Properties } of mappings) {
      const [topic] = Properties.Topics as string[];
      expect(Properties).toMatchObject({
        ProvisionedPollerConfig: { MinimumPollers: expect.any(Number), MaximumPollers: expect.any(Number) },
        MaximumRetryAttempts: expect.any(Number),
        MaximumRecordAgeInSeconds: expect.any(Number),
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: `kafka://${topic}.dlq` } },
      });
    }
  });

  it('schedules the saga deadline sweep every minute and gives it the sparse deadline index it queries', () => {
    const rule = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Events::Rule');
    expect(rule?.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      Targets: [{ Arn: { 'Fn::GetAtt': ['SagaDeadlinesLambdaFunction', 'Arn'] } }],
    });
    expect(template.Resources.SagasTable?.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: DEADLINE_INDEX,
        KeySchema: [
          { AttributeName: 'deadlineShard', KeyType: 'HASH' },
          { AttributeName: 'deadlineAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
  });

  it('gives every Kafka mapping its own consumer group ("must be unique among all your Kafka event sources")', () => {
    const groups = Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::Lambda::EventSourceMapping')
      .map(
        (resource) =>
          ((resource.Properties?.AmazonManagedKafkaEventSourceConfig ?? {}) as { ConsumerGroupId?: string })
            .ConsumerGroupId,
      );
    expect(groups.length).toBeGreaterThanOrEqual(8);
    expect(new Set(groups).size).toBe(groups.length);
  });

  it('runs the functions on a supported Node.js runtime (nodejs20.x is deprecated, docs/aws-behaviours.md, "Runtimes")', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) expect(fn.Properties.Runtime).toBe('nodejs22.x');
  });
});

describe('serverless invoke local', () => {
  /**
   * The local endpoints as `--env` options: they override serverless.yml's environment, which is the
   * deployed one (MSK_CLUSTER_ARN, KAFKA_AUTH=iam) and reads nothing from the shell.
   */
  const localEnvironment = () => ({
    DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
    KAFKA_BROKERS: inject('kafkaBrokers').join(','),
    KAFKA_AUTH: 'none',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const envOptions = () =>
    Object.entries(localEnvironment()).flatMap(([name, value]) => ['--env', `${name}=${value}`]);
  /** The handler's result: the last top-level JSON document osls prints (logs come before it). */
  const response = (output: string) => {
    const lines = output.split('\n');
    return JSON.parse(lines.slice(lines.lastIndexOf('{')).join('\n'));
  };

  it('runs every function of serverless.yml with its sample event against the local DynamoDB and broker', async () => {
    // MSK functions first: their sample events create the order the HTTP functions then read.
    for (const [name, fn] of Object.entries(loadServerlessConfig().functions)) {
      const { stdout } = await serverless([
        'invoke',
        'local',
        '-f',
        name,
        '-p',
        `events/${name}.json`,
        ...envOptions(),
      ]);
      if ((fn.events ?? []).some((event) => 'msk' in event))
        expect(response(stdout), name).toEqual({ batchItemFailures: [] });
      else if ((fn.events ?? []).some((event) => 'schedule' in event))
        expect(response(stdout), name).toMatchObject({
          overdue: expect.any(Number),
          published: expect.any(Number),
        });
      else
        expect(response(stdout), name).toMatchObject({
          statusCode: 200,
          headers: { 'content-type': 'application/json' },
        });
    }
  }, 180_000);

  it('treats a redelivered batch as duplicates and dead-letters a malformed record', async () => {
    const second = await serverless([
      'invoke',
      'local',
      '-f',
      'audit',
      '-p',
      'events/audit.json',
      ...envOptions(),
    ]);
    const malformed = await serverless([
      'invoke',
      'local',
      '-f',
      'audit',
      '-p',
      'events/audit-malformed.json',
      ...envOptions(),
    ]);

    expect(response(second.stdout)).toEqual({ batchItemFailures: [] });
    expect(second.stdout).toMatch(/"duplicate":[1-9]/);
    expect(response(malformed.stdout)).toEqual({ batchItemFailures: [] });
    expect(malformed.stdout + malformed.stderr).toMatch(
      /"record dead-lettered".*"offset":1042.*ContractViolationError/,
    );
  }, 120_000);
});

describe('npm start -- --once', () => {
  it('packages, starts its own infrastructure and emulator, runs the saga demo and ends with every invariant holding and lost=0', async () => {
    // Act: a second, independent stack next to the test suite's own (free ports, own temp folders).
    // It packages again, after the global setup's packagings (packaging takes a lock: one at a time).
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'local/start.ts', '--once'], {
      env: { ...process.env, DYNAMODB_ENDPOINT: '', KAFKA_BROKERS: '', PAYMENT_PROVIDER_FAILURE_RATE: '0.2' },
      timeout: 240_000,
    }).catch((error: Error & { stdout?: string }) => {
      // A failed run's own report (its last lines: the summary or the failure) says more than its exit code.
      throw new Error(`${error.message}\n${error.stdout?.split('\n').slice(-15).join('\n') ?? ''}`);
    });

    // Assess
    const last = stdout.trim().split('\n').at(-1) ?? '';
    expect(last).toMatch(/^summary /);
    const summary = Object.fromEntries(
      last
        .slice('summary '.length)
        .split(' ')
        .map((field) => field.split('=') as [string, string]),
    );
    expect(summary).toMatchObject({
      orders: '200',
      unfinished: '0',
      stock_conserved: 'true',
      money_balanced: 'true',
      confirmed_and_cancelled: '0',
      viewed: '200',
      dead_lettered: '1',
      doubled: '0',
      lost: '0',
    });
    // Every outcome the demo sets up happened, and the provider's transient errors were retried.
    for (const outcome of [
      'completed',
      'cancelled:out-of-stock',
      'cancelled:payment-declined',
      'cancelled:customer-cancelled',
      'provider_errors',
    ])
      expect(Number(summary[outcome]), outcome).toBeGreaterThan(0);
    expect(Number(summary.audited)).toBe(Number(summary.produced) - 2);
    // A saga explains its outcome: state, cause, and the transitions that led there.
    expect(stdout).toMatch(
      /saga order-\w+-\d+: cancelled \(out-of-stock\) — stock rejected: out of stock \(sku-\w+-limited: 1 wanted, 0 available\)/,
    );
    expect(stdout).toMatch(/v1 \S+ none → reserving on OrderPlaced → sent ReserveStock: order placed/);
    expect(stdout).toMatch(
      /audit ⇐ orders\.commands \(group kafka-patterns-dev-audit, .* on failure kafka:\/\/orders\.commands\.dlq\)/,
    );
    expect(stdout).toMatch(/audit ← (orders\.commands-\d@\d+\.\.\d+ )+\(\d+ records\) ok/);
    expect(stdout).toMatch(
      /demo: orders\.commands\.dlq ← poison-\w+: ContractViolationError: value is not a message envelope/,
    );
  }, 240_000);
});
