import { describe, expect, inject, it } from 'vitest';
import { MeasuredInputs } from '../../local/cost/inputs.js';
import { measureCostInputs } from '../../local/cost/measure.js';

/**
 * `npm run cost -- --measure` on a stack of its own (it reads bytes per topic from its broker's disk):
 * the inputs the cost model multiplies come from the real functions, and hold together.
 */
describe('npm run cost -- --measure', () => {
  it('measures completed orders through every function, with DynamoDB’s consumed capacity per transaction', async () => {
    // Prepare: the broker this run starts, not the stack project's
    delete process.env.KAFKA_BROKERS;

    // Act
    const inputs = await measureCostInputs({
      orders: 20,
      log: () => {},
      signal: new AbortController().signal,
      templatePath: inject('packagedTemplates').dev,
    });

    // Assess: every order completed, and the file's schema holds
    expect(MeasuredInputs.parse(inputs).orders).toBe(20);
    expect(inputs.workload).toMatch(/^20 completed /);
    // An order that completes passes 14 records through the mappings (more only if redelivered)
    const records = inputs.mappings.reduce((total, mapping) => total + mapping.records, 0);
    expect(records).toBeGreaterThanOrEqual(14 * 20);
    for (const [functionKey, measured] of Object.entries(inputs.functions)) {
      const transactions = measured.dynamodb.TransactWriteItems;
      // Each record commits as one transaction holding its marker; DynamoDB bills each item at least twice
      expect(transactions?.tables.IDEMPOTENCY_TABLE?.items, functionKey).toBe(transactions?.requests);
      const items = Object.values(transactions?.tables ?? {}).reduce(
        (total, table) => total + table.items,
        0,
      );
      const units = Object.values(transactions?.tables ?? {}).reduce(
        (total, table) => total + table.units,
        0,
      );
      expect(units, functionKey).toBeGreaterThanOrEqual(2 * items);
      expect(measured.durationMs.samples, functionKey).toBeGreaterThan(0);
    }
    // Bytes on the broker's disk: each record carries an envelope of well over 100 bytes
    for (const [topic, { records: count, bytes }] of Object.entries(inputs.topics))
      expect(bytes, topic).toBeGreaterThanOrEqual(count * 100);
    expect(inputs.topics['orders.commands']?.records).toBe(40);
    expect(inputs.metricSeries).toBeGreaterThan(0);
    expect(inputs.alarms).toBeGreaterThan(0);
    // A broker, the function processes, 20 orders in four bursts two seconds apart, the mappings caught up
  }, 240_000);
});
