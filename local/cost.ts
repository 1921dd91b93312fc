/**
 * `npm run cost -- --orders-per-second N [--price name=value …] [--growth]`: what N orders a second
 * cost a month and need (partitions, pollers, concurrency), our design beside the same work on
 * Powertools idempotency, from measured inputs (bench/baselines/cost-inputs.json) and pinned prices.
 * `npm run cost -- --measure [--orders N]` measures the inputs again: a run of the real functions on
 * DynamoDB Local and Apache Kafka (about a minute) that rewrites that file.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCli, UsageError } from '@msk-patterns/emulator';
import {
  CostInputsError,
  MEASURED_INPUTS_FILE,
  readMeasuredInputs,
  writeMeasuredInputs,
} from './cost/inputs.js';
import { measureCostInputs } from './cost/measure.js';
import { costModel } from './cost/model.js';
import { pricesWith } from './cost/prices.js';
import { estimateReport, growthReport, inputsSummary } from './cost/report.js';

/** The rates the growth table shows: from a small shop to a large one. */
const GROWTH = [10, 100, 1_000, 10_000];

runCli(async () => {
  const { values } = parseArgs({
    options: {
      'orders-per-second': { type: 'string', multiple: true },
      price: { type: 'string', multiple: true },
      growth: { type: 'boolean' },
      measure: { type: 'boolean' },
      orders: { type: 'string' },
      inputs: { type: 'string' },
    },
  });
  const write = (line: string) => process.stdout.write(`${line}\n`);
  const file = values.inputs ?? fileURLToPath(MEASURED_INPUTS_FILE);
  if (values.measure) {
    const orders = Number(values.orders ?? 200);
    if (!(Number.isInteger(orders) && orders > 0))
      throw new UsageError(`--orders ${values.orders}: a whole number`);
    const packaging = new AbortController();
    process.once('SIGINT', () => packaging.abort());
    const inputs = await measureCostInputs({
      orders,
      log: (line) => write(line),
      signal: packaging.signal,
    });
    await writeMeasuredInputs(inputs, file);
    write(`measured ${inputs.orders} orders; written to ${file}`);
  }
  const rates = (values['orders-per-second'] ?? []).map(Number);
  if (rates.some((rate) => !(Number.isFinite(rate) && rate > 0)))
    throw new UsageError(`--orders-per-second ${values['orders-per-second']?.join(' ')}: give rates above 0`);
  if (rates.length === 0 && !values.growth && !values.measure)
    throw new UsageError('give --orders-per-second N (repeatable), --growth, or --measure');
  const prices = (() => {
    try {
      return pricesWith(values.price ?? []);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  })();
  const inputs = await readMeasuredInputs(file);
  const estimate = (ordersPerSecond: number) => ({
    ours: costModel(inputs, prices, { ordersPerSecond, design: 'ours' }),
    powertools: costModel(inputs, prices, { ordersPerSecond, design: 'powertools' }),
  });
  for (const line of inputsSummary(inputs, file)) write(line);
  for (const rate of rates) {
    const { ours, powertools } = estimate(rate);
    write('');
    for (const line of estimateReport(ours, powertools, prices)) write(line);
  }
  if (values.growth) {
    write('');
    write('growth, DynamoDB on demand:');
    for (const line of growthReport(GROWTH.map(estimate))) write(line);
  }
  return 0;
}, [CostInputsError]);
