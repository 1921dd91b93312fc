import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type MeasuredInputs, readMeasuredInputs } from '../../local/cost/inputs.js';
import { fitDuration } from '../../local/cost/measure.js';
import {
  costModel,
  DESIGNS,
  dynamoDbPerOrder,
  latencyScale,
  SECONDS_PER_MONTH,
} from '../../local/cost/model.js';
import { PRICES, pricesWith } from '../../local/cost/prices.js';

/** Two orders through one function reading one 6-partition topic: one record per order. */
function inputs(overrides: Partial<MeasuredInputs> = {}): MeasuredInputs {
  return {
    measuredAt: '2026-12-05T00:00:00.000Z',
    machine: 'test',
    workload: 'two orders',
    orders: 2,
    skusPerOrder: 2,
    idempotencyTable: 'IDEMPOTENCY_TABLE',
    mappings: [{ functionKey: 'orderSaga', topic: 'orders.events', records: 2, invocations: 2 }],
    functions: {
      orderSaga: {
        memoryMb: 1024,
        durationMs: { fixed: 100, perRecord: 10, samples: 10 },
        logBytes: 2000,
        metricDocuments: 2,
        dynamodb: {
          // Per record: a transaction of the marker (1 KB: 2 units) and a 3 KB saga (6 units).
          TransactWriteItems: {
            requests: 2,
            failed: 0,
            ms: 20,
            tables: { IDEMPOTENCY_TABLE: { units: 4, items: 2 }, SAGAS_TABLE: { units: 12, items: 2 } },
          },
          GetItem: { requests: 2, failed: 0, ms: 4, tables: { SAGAS_TABLE: { units: 2, items: 2 } } },
        },
      },
    },
    metricSeries: 10,
    alarms: 5,
    otherDynamodb: {},
    topics: { 'orders.events': { records: 2, bytes: 2000, partitions: 6, retentionHours: 168 } },
    mappingSettings: { batchSize: 100, batchingWindowSeconds: 1, minimumPollers: 1, maximumPollers: 3 },
    ...overrides,
  };
}

describe('cost model', () => {
  it('prices a transaction’s items twice and the Powertools design’s as plain writes plus its two record writes', () => {
    // Act
    const perOrder = dynamoDbPerOrder(inputs().functions.orderSaga?.dynamodb ?? {}, 'IDEMPOTENCY_TABLE', 2);

    // Assess: ours 2 + 6 write units in one request; Powertools 1 (in progress) + 3 (saga) + 1 (completed)
    // in three requests; the read is the same in both
    expect(perOrder.ours).toEqual({ requests: 2, writeUnits: 8, readUnits: 1 });
    expect(perOrder.powertools).toEqual({ requests: 4, writeUnits: 5, readUnits: 1 });
  });

  it('turns a marker-only put into the Powertools design’s two writes', () => {
    // Act
    const perOrder = dynamoDbPerOrder(
      { PutItem: { requests: 1, failed: 0, ms: 1, tables: { IDEMPOTENCY_TABLE: { units: 1, items: 1 } } } },
      'IDEMPOTENCY_TABLE',
      1,
    );

    // Assess
    expect(perOrder.ours).toMatchObject({ requests: 1, writeUnits: 1 });
    expect(perOrder.powertools).toMatchObject({ requests: 2, writeUnits: 2 });
  });

  it('sends one record per invocation at a trickle, a batch per poller per window, and full batches under load', async () => {
    // Act
    const trickle = costModel(inputs(), PRICES, { ordersPerSecond: 1, design: 'ours' }).mappings[0];
    const some = costModel(inputs(), PRICES, { ordersPerSecond: 10, design: 'ours' }).mappings[0];
    const load = costModel(inputs(), PRICES, { ordersPerSecond: 1000, design: 'ours' }).mappings[0];

    // Assess: 1 record/s with a 1 s window: each record alone; 10/s: the one poller's batch each window,
    // its partitions' records together; 1,000/s: batches of 100 (11 in flight: 3 pollers of 5)
    expect(trickle).toMatchObject({
      invocationsPerSecond: 1,
      recordsPerInvocation: 1,
      durationMs: 110,
      pollers: 1,
    });
    expect(some).toMatchObject({
      invocationsPerSecond: 1,
      recordsPerInvocation: 10,
      durationMs: 200,
      pollers: 1,
    });
    expect(load).toMatchObject({
      invocationsPerSecond: 10,
      recordsPerInvocation: 100,
      durationMs: 1100,
      pollers: 3,
    });
    expect(load?.concurrency).toBeCloseTo(11, 9);
  });

  it('asks for the partitions a topic needs and names the limit when it has fewer', () => {
    // Act: a partition takes 100 records per 1.1 s (90.9/s); at 70 % that is 63.6/s, so 1,000/s needs 16
    const estimate = costModel(inputs(), PRICES, { ordersPerSecond: 1000, design: 'ours' });

    // Assess
    expect(estimate.partitions['orders.events']).toEqual({ configured: 6, needed: 16 });
    expect(estimate.limits.join('\n')).toContain('orders.events: needs 16 partitions, has 6');
    expect(estimate.limits.join('\n')).toContain('one key: at most 90 records/s');
  });

  it('grows DynamoDB and Lambda requests with the rate, and prices them from the table', () => {
    // Act
    const estimate = costModel(inputs(), PRICES, { ordersPerSecond: 10, design: 'ours' });

    // Assess: 8 write units an order, 10 orders a second, a month of seconds, $0.625 a million
    expect(estimate.quantities.dynamoDbWriteUnits).toBe(8 * 10 * SECONDS_PER_MONTH);
    expect(estimate.dollars.dynamoDbOnDemandWrites).toBeCloseTo(
      (8 * 10 * SECONDS_PER_MONTH * 0.625) / 1e6,
      6,
    );
    // 10 records/s, one poller, a 1 s window: one invocation a second
    expect(estimate.quantities.lambdaRequests).toBeCloseTo(SECONDS_PER_MONTH, 0);
  });

  it('leaves a price that is not pinned out of the total, and takes overrides by name', () => {
    // Act
    const unpriced = costModel(inputs(), PRICES, { ordersPerSecond: 10, design: 'ours' });
    const priced = costModel(inputs(), pricesWith(['eventPollerUnitHour=0.5']), {
      ordersPerSecond: 10,
      design: 'ours',
    });

    // Assess: one poller (minimum) for 730 hours
    expect(unpriced.dollars.eventPollers).toBeUndefined();
    expect(priced.dollars.eventPollers).toBe(0.5 * 730);
    expect(priced.totalOnDemand - unpriced.totalOnDemand).toBeCloseTo(0.5 * 730, 6);
    expect(() => pricesWith(['lambdaTypo=1'])).toThrow(/no price named lambdaTypo/);
    expect(() => pricesWith(['mskBrokerHour=-1'])).toThrow(/non-negative number/);
  });

  it('scales local durations by how much faster DynamoDB answers than DynamoDB Local did, never slower', () => {
    // Prepare: transactions answered in 40 ms here (10 ms in the Region), gets in 5 ms (5 ms)
    const slow = {
      TransactWriteItems: { requests: 10, failed: 0, ms: 400, tables: {} },
      GetItem: { requests: 10, failed: 0, ms: 50, tables: {} },
    };
    const fast = { GetItem: { requests: 10, failed: 0, ms: 10, tables: {} } };

    // Act / Assess: (10 × 10 + 10 × 5) / 450; a run faster than the cloud is not credited
    expect(latencyScale(slow)).toBeCloseTo(150 / 450, 9);
    expect(latencyScale(fast)).toBe(1);
  });

  it('keeps the README’s cost table the model’s output for the committed measured inputs', async () => {
    // Prepare
    const measured = await readMeasuredInputs();
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

    for (const ordersPerSecond of [10, 100, 1000]) {
      // Act
      const [ours, powertools] = DESIGNS.map((design) =>
        costModel(measured, PRICES, { ordersPerSecond, design }),
      );

      // Assess: each figure of the row, as the README prints it; ours the dearer, as it says
      const dollars = (value = 0) => `$${Math.round(value).toLocaleString('en-US')}`;
      const perMillion = (value = 0) => `$${(value / ((ours?.ordersPerMonth ?? 1) / 1e6)).toFixed(2)}`;
      const row = [
        ordersPerSecond.toLocaleString('en-US'),
        dollars(ours?.totalOnDemand),
        dollars(powertools?.totalOnDemand),
        perMillion(ours?.totalOnDemand),
        perMillion(powertools?.totalOnDemand),
      ];
      expect(readme).toMatch(
        new RegExp(`^\\s*${row.map((cell) => cell.replace(/[$.]/g, '\\$&')).join('\\s+')}$`, 'm'),
      );
      expect(ours?.totalOnDemand).toBeGreaterThan(powertools?.totalOnDemand ?? Number.POSITIVE_INFINITY);
    }
  });

  it('fits an invocation’s time to its batch size, leaving the cold starts out', () => {
    // Prepare: two cold starts, then exactly 5 ms + 2 ms per record
    const samples = [
      [1, 900],
      [1, 800],
      ...[1, 10, 50, 100].map((records) => [records, 5 + 2 * records] as const),
    ] as const;

    // Act
    const fit = fitDuration([...samples]);

    // Assess
    expect(fit.fixed).toBeCloseTo(5, 9);
    expect(fit.perRecord).toBeCloseTo(2, 9);
    expect(fit.samples).toBe(4);
  });
});
