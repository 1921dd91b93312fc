import type { MeasuredInputs } from './inputs.js';
import { type CostEstimate, dynamoDbPerOrder, latencyScale } from './model.js';
import { PRICES_READ_ON, type PriceTable } from './prices.js';

const count = (value: number) => Math.round(value).toLocaleString('en-US');
const figure = (value: number, digits = 2) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (value: number | undefined) => (value === undefined ? 'not priced' : `$${figure(value)}`);

/** The measured inputs per order, as the report's first lines. */
export function inputsSummary(inputs: MeasuredInputs, file: string): string[] {
  const lines = [
    `measured inputs: ${file} (${inputs.measuredAt.slice(0, 10)}; ${inputs.orders} orders: ${inputs.workload}; ${inputs.machine})`,
    '  per order          records  DynamoDB requests  write units  read units   (Powertools: requests  write units)',
  ];
  for (const [functionKey, measured] of Object.entries(inputs.functions)) {
    const records =
      inputs.mappings
        .filter((mapping) => mapping.functionKey === functionKey)
        .reduce((total, mapping) => total + mapping.records, 0) / inputs.orders;
    const { ours, powertools } = dynamoDbPerOrder(measured.dynamodb, inputs.idempotencyTable, inputs.orders);
    lines.push(
      `  ${functionKey.padEnd(17)}${figure(records).padStart(8)}${figure(ours.requests).padStart(19)}${figure(ours.writeUnits).padStart(13)}${figure(ours.readUnits).padStart(12)}${figure(powertools.requests).padStart(24)}${figure(powertools.writeUnits).padStart(13)}`,
    );
  }
  const durations = Object.entries(inputs.functions)
    .map(
      ([key, { durationMs }]) =>
        `${key} ${figure(durationMs.fixed, 0)} + ${figure(durationMs.perRecord, 1)}/record`,
    )
    .join(', ');
  const scales = Object.entries(inputs.functions)
    .map(([key, { dynamodb }]) => `${key} ×${figure(latencyScale(dynamodb), 3)}`)
    .join(', ');
  lines.push(`  invocation ms measured on DynamoDB Local: ${durations}`);
  lines.push(`  scaled to DynamoDB's answer times (10 ms a transaction, 5 ms other calls): ${scales}`);
  return lines;
}

/** One rate, both designs side by side. */
export function estimateReport(ours: CostEstimate, powertools: CostEstimate, prices: PriceTable): string[] {
  const perMillion = (total: number) => total / (ours.ordersPerMonth / 1e6);
  const row = (label: string, left: string, right: string) =>
    `  ${label.padEnd(34)}${left.padStart(22)}${right.padStart(22)}`;
  const quantity = (label: string, pick: (estimate: CostEstimate) => number, digits = 0) =>
    row(label, figure(pick(ours), digits), figure(pick(powertools), digits));
  const money = (label: string, line: string) =>
    row(label, usd(ours.dollars[line]), usd(powertools.dollars[line]));
  const unverified = Object.entries(prices)
    .filter(([, price]) => !price.fromAws)
    .map(([name]) => name);
  return [
    `${count(ours.ordersPerSecond)} orders/s — ${count(ours.ordersPerMonth)} orders a month (730 h); US East prices read ${PRICES_READ_ON}`,
    row('per month', 'ours', 'Powertools'),
    quantity('Lambda requests', (estimate) => estimate.quantities.lambdaRequests),
    quantity('Lambda GB-seconds', (estimate) => estimate.quantities.lambdaGbSeconds),
    quantity('DynamoDB requests', (estimate) => estimate.quantities.dynamoDbRequests),
    quantity('DynamoDB write units', (estimate) => estimate.quantities.dynamoDbWriteUnits),
    quantity('DynamoDB read units', (estimate) => estimate.quantities.dynamoDbReadUnits),
    quantity('  provisioned WCU / RCU', (estimate) => estimate.quantities.provisionedWriteCapacityUnits),
    quantity('MSK brokers (kafka.m7g.large)', (estimate) => estimate.quantities.mskBrokers),
    quantity('MSK storage GB (×3 replicas)', (estimate) => estimate.quantities.mskStorageGb, 1),
    quantity('event poller-hours', (estimate) => estimate.quantities.pollerHours),
    quantity('CloudWatch logs GB', (estimate) => estimate.quantities.logsGb, 1),
    money('Lambda requests', 'lambdaRequests'),
    money('Lambda duration', 'lambdaDuration'),
    money('DynamoDB on demand (writes)', 'dynamoDbOnDemandWrites'),
    money('DynamoDB on demand (reads)', 'dynamoDbOnDemandReads'),
    money('DynamoDB provisioned (writes)', 'dynamoDbProvisionedWrites'),
    money('DynamoDB provisioned (reads)', 'dynamoDbProvisionedReads'),
    money('MSK brokers', 'mskBrokers'),
    money('MSK storage', 'mskStorage'),
    money('event pollers', 'eventPollers'),
    money('CloudWatch logs', 'cloudWatchLogs'),
    money(`CloudWatch metrics (${ours.quantities.metrics})`, 'cloudWatchMetrics'),
    money(`alarms (${ours.quantities.alarms}) and dashboard`, 'cloudWatchAlarmsAndDashboard'),
    row('total, DynamoDB on demand', usd(ours.totalOnDemand), usd(powertools.totalOnDemand)),
    row('total, DynamoDB provisioned', usd(ours.totalProvisioned), usd(powertools.totalProvisioned)),
    row(
      'per million orders (on demand)',
      usd(perMillion(ours.totalOnDemand)),
      usd(perMillion(powertools.totalOnDemand)),
    ),
    `  capacity: MSK ingress ${figure(ours.quantities.mskIngressMegabytesPerSecond)} MB/s; Lambda concurrency ${figure(
      ours.mappings.reduce((total, mapping) => total + mapping.concurrency, 0),
      1,
    )}; partitions ${Object.entries(ours.partitions)
      .filter(([, { needed }]) => needed > 0)
      .map(
        ([topic, { configured, needed }]) =>
          `${topic} ${needed}${needed > configured ? ` (has ${configured})` : ''}`,
      )
      .join(', ')}`,
    `  pollers: ${ours.mappings
      .filter((mapping) => mapping.recordsPerSecond > 0)
      .map((mapping) => `${mapping.functionKey}⇐${mapping.topic} ${mapping.pollers}`)
      .join(', ')}`,
    '  limits:',
    ...ours.limits.map((limit) => `    - ${limit}`),
    `  not verified against an AWS page: ${unverified.join(', ')} (docs/cost.md; override with --price name=value)`,
  ];
}

/** One line per rate: how cost and capacity grow. */
export function growthReport(
  estimates: ReadonlyArray<{ ours: CostEstimate; powertools: CostEstimate }>,
): string[] {
  const lines = [
    '  orders/s   ours $/month  Powertools $/month  ours $/M orders  partitions  pollers  concurrency  brokers',
  ];
  for (const { ours, powertools } of estimates) {
    const perMillion = (total: number) => total / (ours.ordersPerMonth / 1e6);
    lines.push(
      `  ${count(ours.ordersPerSecond).padStart(8)}${usd(ours.totalOnDemand).padStart(15)}${usd(powertools.totalOnDemand).padStart(20)}${usd(perMillion(ours.totalOnDemand)).padStart(17)}${count(
        Object.values(ours.partitions).reduce((total, { needed }) => total + needed, 0),
      ).padStart(
        12,
      )}${count(ours.mappings.reduce((total, { pollers }) => total + pollers, 0)).padStart(9)}${figure(
        ours.mappings.reduce((total, { concurrency }) => total + concurrency, 0),
        1,
      ).padStart(13)}${count(ours.quantities.mskBrokers).padStart(9)}`,
    );
  }
  return lines;
}
