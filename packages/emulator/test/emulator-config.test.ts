import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScheduledEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  MappingConfigError,
  mappingsFromTemplate,
  rateMs,
  type ScheduleConfig,
  schedulesFromTemplate,
} from '../src/emulator/config.js';
import { passesFilters } from '../src/emulator/filter.js';
import { startEmulator } from '../src/emulator/index.js';
import { ScheduleRunner } from '../src/emulator/schedule-runner.js';
import type { ServerlessConfig } from '../src/infra/serverless-config.js';

const config = {
  service: 's',
  provider: { timeout: 60 },
  functions: { orderSaga: { handler: 'functions/saga/handler.handler', timeout: 1_200 } },
} as unknown as ServerlessConfig;

function templateWith(properties: Record<string, unknown>) {
  return {
    Resources: {
      OrderSagaEventSourceMappingMSKOrdersOrdersevents: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          Topics: ['orders.events'],
          FunctionName: { 'Fn::GetAtt': ['OrderSagaLambdaFunction', 'Arn'] },
          ...properties,
        },
      },
    },
  };
}

describe('mappingsFromTemplate', () => {
  it('fills in the AWS defaults for Kafka and caps the timeout at 14 minutes (docs/aws-behaviours.md, "Batching, ordering and offsets" and "Error handling")', () => {
    const [mapping] = mappingsFromTemplate(templateWith({}), config);
    expect(mapping).toMatchObject({
      functionKey: 'orderSaga',
      batchSize: 100,
      batchingWindowMs: 500,
      startingPosition: 'LATEST',
      maximumRetryAttempts: -1,
      maximumRecordAgeSeconds: -1,
      reportBatchItemFailures: false,
      timeoutSeconds: 840,
      enabled: true,
    });
  });

  it('caps infinite retries at 10 when an on-failure destination is set (docs/aws-behaviours.md, "Error handling")', () => {
    const [mapping] = mappingsFromTemplate(
      templateWith({
        MaximumRetryAttempts: -1,
        DestinationConfig: { OnFailure: { Destination: 'kafka://orders.events.dlq' } },
      }),
      config,
    );
    expect(mapping).toMatchObject({ maximumRetryAttempts: 10, destinationTopic: 'orders.events.dlq' });
  });

  it('rejects a destination that is the source topic (docs/aws-behaviours.md, "Error handling")', () => {
    expect(() =>
      mappingsFromTemplate(
        templateWith({ DestinationConfig: { OnFailure: { Destination: 'kafka://orders.events' } } }),
        config,
      ),
    ).toThrow(MappingConfigError);
  });

  it('says plainly that AT_TIMESTAMP is not emulated rather than starting somewhere else', () => {
    expect(() => mappingsFromTemplate(templateWith({ StartingPosition: 'AT_TIMESTAMP' }), config)).toThrow(
      /AT_TIMESTAMP is not emulated/,
    );
  });

  it('reads filter patterns and the error controls', () => {
    const [mapping] = mappingsFromTemplate(
      templateWith({
        FilterCriteria: { Filters: [{ Pattern: '{"value":{"type":["OrderPlaced"]}}' }] },
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumBatchingWindowInSeconds: 0,
      }),
      config,
    );
    expect(mapping).toMatchObject({
      filterPatterns: [{ value: { type: ['OrderPlaced'] } }],
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      batchingWindowMs: 0,
    });
  });
});

describe('passesFilters (EventBridge pattern subset on value, docs/aws-behaviours.md, "Filtering")', () => {
  const value = (data: unknown) => Buffer.from(JSON.stringify(data));

  it.each([
    ['exact', { value: { type: ['A', 'B'] } }, { type: 'B' }, true],
    ['exact miss', { value: { type: ['A'] } }, { type: 'B' }, false],
    ['prefix', { value: { id: [{ prefix: 'order-' }] } }, { id: 'order-1' }, true],
    ['anything-but', { value: { type: [{ 'anything-but': ['A'] }] } }, { type: 'A' }, false],
    ['exists', { value: { reason: [{ exists: true }] } }, { reason: 'x' }, true],
    ['not exists', { value: { reason: [{ exists: false }] } }, { other: 1 }, true],
    ['numeric range', { value: { n: [{ numeric: ['>', 0, '<=', 5] }] } }, { n: 5 }, true],
    ['numeric out of range', { value: { n: [{ numeric: ['>', 0, '<=', 5] }] } }, { n: 6 }, false],
    ['nested', { value: { data: { status: ['PAID'] } } }, { data: { status: 'PAID' } }, true],
  ])('%s', (_name, pattern, data, expected) => {
    expect(passesFilters([pattern], value(data))).toBe(expected);
  });

  it('ORs patterns and lets everything through without any', () => {
    expect(passesFilters([{ value: { t: ['x'] } }, { value: { t: ['y'] } }], value({ t: 'y' }))).toBe(true);
    expect(passesFilters([], Buffer.from('not json'))).toBe(true);
    expect(passesFilters([{ value: { t: ['x'] } }], Buffer.from('not json'))).toBe(false);
  });
});

describe('startEmulator', () => {
  it('starts no runner for a mapping with Enabled: false', async () => {
    // Prepare: a packaged template whose only mapping is disabled
    const folder = mkdtempSync(join(tmpdir(), 'template-'));
    const templatePath = join(folder, 'template.json');
    writeFileSync(templatePath, JSON.stringify(templateWith({ Enabled: false })));

    // Act
    const emulator = await startEmulator({ templatePath, config, brokers: ['127.0.0.1:1'], log: () => {} });

    // Assess: nothing was loaded or connected
    expect(emulator.runners).toEqual([]);
    await emulator.stop();
  });
});

describe('schedules (EventBridge rules targeting a function)', () => {
  const ruleTemplate = (expression: string, state = 'ENABLED') => ({
    Resources: {
      OrderSagaEventsRuleSchedule1: {
        Type: 'AWS::Events::Rule',
        Properties: {
          ScheduleExpression: expression,
          State: state,
          Targets: [{ Arn: { 'Fn::GetAtt': ['OrderSagaLambdaFunction', 'Arn'] }, Id: 'schedule' }],
        },
      },
    },
  });

  it('reads the rate of each rule and the function it invokes', () => {
    expect(schedulesFromTemplate(ruleTemplate('rate(1 minute)'), config)).toEqual([
      {
        logicalId: 'OrderSagaEventsRuleSchedule1',
        functionKey: 'orderSaga',
        handler: 'functions/saga/handler.handler',
        timeoutSeconds: 1_200,
        expression: 'rate(1 minute)',
        rateMs: 60_000,
        enabled: true,
      },
    ]);
    expect(rateMs('r', 'rate(5 minutes)')).toBe(300_000);
    expect(rateMs('r', 'rate(2 hours)')).toBe(7_200_000);
    expect(schedulesFromTemplate(ruleTemplate('rate(1 day)', 'DISABLED'), config)[0]?.enabled).toBe(false);
  });

  it('refuses cron expressions plainly instead of guessing their times', () => {
    expect(() => schedulesFromTemplate(ruleTemplate('cron(0 12 * * ? *)'), config)).toThrow(
      'OrderSagaEventsRuleSchedule1: schedule cron(0 12 * * ? *) is not emulated; use rate(N unit)',
    );
  });

  it('invokes with the Scheduled Event shape, and retries a failed invocation twice like async Lambda', async () => {
    // Prepare
    const events: ScheduledEvent[] = [];
    let failures = 2;
    const [schedule] = schedulesFromTemplate(ruleTemplate('rate(1 minute)'), config);
    const runner = new ScheduleRunner(
      schedule as ScheduleConfig,
      async (event) => {
        events.push(event);
        if (failures-- > 0) throw new Error('not yet');
        return 'done';
      },
      () => {},
    );

    // Act
    const result = await runner.trigger();

    // Assess
    expect(result).toBe('done');
    expect(runner.stats).toEqual({ invocations: 3, errors: 2 });
    expect(events[0]).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    expect(new Set(events.map((event) => event.id)).size).toBe(1);
  });
});
