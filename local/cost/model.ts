import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import type { DynamoDbUsage, MeasuredInputs } from './inputs.js';
import type { PriceTable } from './prices.js';

/** Seconds in the month AWS prices by (730 hours). */
export const SECONDS_PER_MONTH = 730 * 3600;

/**
 * Assumptions the model states rather than measures, each a documented AWS figure or a choice.
 * `docs/cost.md` gives the source of each.
 */
export const ASSUMPTIONS = {
  /** share of a partition's (and a provisioned table's) capacity planned for: the rest absorbs bursts */
  utilisationTarget: 0.7,
  /** Lambda's own START, END and REPORT lines per invocation (not written by the function; estimated) */
  platformLogBytesPerInvocation: 300,
  /** each provisioned event poller: up to 5 MB/s or 5 concurrent invocations (Lambda developer guide) */
  pollerMegabytesPerSecond: 5,
  pollerConcurrentInvocations: 5,
  /** DynamoDB: one partition serves up to 1,000 write units a second (developer guide, partition key design) */
  partitionWriteUnitsPerSecond: 1000,
  /** DynamoDB TransactWriteItems: at most 100 items and 4 MB (developer guide, transactions) */
  transactionItems: 100,
  /** Lambda's default concurrency quota per account and Region (a soft limit) */
  accountConcurrency: 1000,
  /** MSK's recommended maximum partitions (replicas included) per kafka.m7g.large broker: check for yours */
  partitionsPerBroker: 1000,
  /** replicas per topic: serverless.yml's topicReplicationFactor on a three-AZ cluster */
  replicationFactor: 3,
  /** MSK Provisioned spreads brokers evenly over three Availability Zones */
  brokersPerStep: 3,
  /** a refused conditional write (a duplicate's marker) is billed as a one-unit write */
  unitsPerRefusedWrite: 1,
  /**
   * DynamoDB's answer time in the Region, per request: "single-digit milliseconds" (developer guide);
   * a transaction, which coordinates its items, taken as twice a single-item call. The local run's
   * durations are scaled from the answer times measured on DynamoDB Local to these.
   */
  dynamoDbMilliseconds: { TransactWriteItems: 10, other: 5 },
} as const;

/** The two designs side by side: ours (one transaction per record) and Powertools idempotency. */
export const DESIGNS = ['ours', 'powertools'] as const;
export type Design = (typeof DESIGNS)[number];

const WRITE_OPERATIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

/** DynamoDB requests and billed units, per order. */
export interface DynamoDbPerOrder {
  requests: number;
  writeUnits: number;
  readUnits: number;
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);
const unitsOf = (tables: Record<string, { units: number }>) =>
  sum(Object.values(tables).map(({ units }) => units));

/**
 * One function's DynamoDB use per order in both designs, from what DynamoDB reported for ours.
 *
 * Ours commits a record as one `TransactWriteItems` (marker with its outbox, and the handler's writes)
 * — or one `PutItem` of the marker when the handler writes nothing — and a transaction bills each item
 * twice. The Powertools design does the same work as an in-progress `PutItem` of its record, each of
 * the handler's writes as a plain write, and an `UpdateItem` to completed: two one-unit writes per
 * record (its record holds a key, a status and an expiry, well under 1 KB) plus the handler's writes at
 * the plain rate, one request each. Reads and refused writes are the same in both.
 *
 * @param usage - the function's DynamoDB usage over the run
 * @param idempotencyTable - the variable naming the markers' table
 * @param orders - orders in the run
 */
export function dynamoDbPerOrder(
  usage: DynamoDbUsage,
  idempotencyTable: string,
  orders: number,
): Record<Design, DynamoDbPerOrder> {
  const operations = Object.entries(usage);
  const writes = operations.filter(([operation]) => WRITE_OPERATIONS.has(operation));
  const reads = operations.filter(([operation]) => !WRITE_OPERATIONS.has(operation));
  const refused = sum(writes.map(([, counted]) => counted.failed)) * ASSUMPTIONS.unitsPerRefusedWrite;
  const ours: DynamoDbPerOrder = {
    requests: sum(operations.map(([, counted]) => counted.requests)),
    writeUnits: sum(writes.map(([, counted]) => unitsOf(counted.tables))) + refused,
    readUnits: sum(reads.map(([, counted]) => unitsOf(counted.tables))),
  };
  const transaction = usage.TransactWriteItems;
  const transactionItems = sum(Object.values(transaction?.tables ?? {}).map(({ items }) => items));
  const markersInTransactions = transaction?.tables[idempotencyTable];
  const markerPuts = usage.PutItem?.tables[idempotencyTable];
  const markers = (markersInTransactions?.items ?? 0) + (markerPuts?.items ?? 0);
  const handlerUnitsInTransactions = unitsOf(transaction?.tables ?? {}) - (markersInTransactions?.units ?? 0);
  const powertools: DynamoDbPerOrder = {
    // A transaction of k items becomes k + 1 requests; a marker's put becomes two.
    requests: ours.requests + transactionItems + (markerPuts?.items ?? 0),
    writeUnits:
      ours.writeUnits -
      (markersInTransactions?.units ?? 0) -
      (markerPuts?.units ?? 0) -
      handlerUnitsInTransactions / 2 +
      2 * markers,
    readUnits: ours.readUnits,
  };
  const perOrder = (figures: DynamoDbPerOrder): DynamoDbPerOrder => ({
    requests: figures.requests / orders,
    writeUnits: figures.writeUnits / orders,
    readUnits: figures.readUnits / orders,
  });
  return { ours: perOrder(ours), powertools: perOrder(powertools) };
}

/** One event source mapping at the modelled rate. */
export interface MappingCapacity {
  functionKey: string;
  topic: string;
  recordsPerSecond: number;
  invocationsPerSecond: number;
  recordsPerInvocation: number;
  durationMs: number;
  /** invocations in flight on average (Little's law: rate × duration) */
  concurrency: number;
  /** records a second one partition can take through this function, batches full */
  partitionRecordsPerSecond: number;
  pollers: number;
  megabytesPerSecond: number;
}

/** What the model gives for one rate and one design. */
export interface CostEstimate {
  ordersPerSecond: number;
  ordersPerMonth: number;
  design: Design;
  mappings: MappingCapacity[];
  /** per topic: partitions configured, and needed at this rate */
  partitions: Record<string, { configured: number; needed: number }>;
  quantities: {
    lambdaRequests: number;
    lambdaGbSeconds: number;
    dynamoDbRequests: number;
    dynamoDbWriteUnits: number;
    dynamoDbReadUnits: number;
    /** provisioned capacity for the steady rate at the utilisation target */
    provisionedWriteCapacityUnits: number;
    provisionedReadCapacityUnits: number;
    mskBrokers: number;
    mskBrokerHours: number;
    mskStorageGb: number;
    mskIngressMegabytesPerSecond: number;
    pollerHours: number;
    logsGb: number;
    metrics: number;
    alarms: number;
  };
  /** USD per month per line; `undefined` where a price is not pinned */
  dollars: Record<string, number | undefined>;
  /** USD per month with DynamoDB on demand and with DynamoDB provisioned (priced lines only) */
  totalOnDemand: number;
  totalProvisioned: number;
  /** the first limits this rate meets or comes near, with the figure behind each */
  limits: string[];
}

/**
 * How much faster a function's invocations would be on DynamoDB than they were on DynamoDB Local:
 * the ratio of DynamoDB's answer time ({@link ASSUMPTIONS}) to the one measured locally, weighted by
 * the function's requests. An invocation is almost all waiting for DynamoDB — the pipeline's own work
 * is about 26 µs a record (`npm run bench -- pipeline`) — so its time scales with the answers.
 * Never above 1: a local run is not credited with being slower than the cloud.
 */
export function latencyScale(usage: DynamoDbUsage): number {
  const operations = Object.entries(usage);
  const requests = sum(operations.map(([, counted]) => counted.requests));
  const localMs = sum(operations.map(([, counted]) => counted.ms));
  if (requests === 0 || localMs === 0) return 1;
  const cloudMs = sum(
    operations.map(
      ([operation, counted]) =>
        counted.requests *
        (operation === 'TransactWriteItems'
          ? ASSUMPTIONS.dynamoDbMilliseconds.TransactWriteItems
          : ASSUMPTIONS.dynamoDbMilliseconds.other),
    ),
  );
  return Math.min(1, cloudMs / localMs);
}

/**
 * A mapping's invocations at a rate: a poller sends one batch per batching window, holding the records
 * of all its partitions ("a single Lambda payload can contain messages from multiple partitions",
 * https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html), or a full batch as soon as
 * there is one; at a trickle, each record is an invocation of its own.
 */
function invocationLoad(
  inputs: MeasuredInputs,
  functionKey: string,
  recordsPerSecond: number,
  pollers: number,
): Pick<MappingCapacity, 'invocationsPerSecond' | 'recordsPerInvocation' | 'durationMs' | 'concurrency'> {
  const { batchSize, batchingWindowSeconds } = inputs.mappingSettings;
  const invocationsPerSecond =
    recordsPerSecond === 0
      ? 0
      : Math.max(recordsPerSecond / batchSize, Math.min(recordsPerSecond, pollers / batchingWindowSeconds));
  const recordsPerInvocation = invocationsPerSecond === 0 ? 0 : recordsPerSecond / invocationsPerSecond;
  const durationMs = functionDuration(inputs, functionKey, recordsPerInvocation);
  return {
    invocationsPerSecond,
    recordsPerInvocation,
    durationMs,
    concurrency: (invocationsPerSecond * durationMs) / 1000,
  };
}

function functionDuration(inputs: MeasuredInputs, functionKey: string, records: number): number {
  const measured = inputs.functions[functionKey];
  if (!measured) return 0;
  const scale = latencyScale(measured.dynamodb);
  return (measured.durationMs.fixed + measured.durationMs.perRecord * records) * scale;
}

/**
 * Monthly quantities, dollars, capacity and limits for a steady rate of orders like those measured.
 *
 * Invocations: each poller sends a batch per batching window (its partitions' records together), or a
 * full batch as soon as one is there; at a trickle each record is an invocation of its own. Partitions: as many as the topic is configured with, or as its busiest
 * mapping needs at the utilisation target with full batches (each partition is one batch at a time,
 * to keep per-key order). Pollers: 5 concurrent invocations or 5 MB/s each, at most one per partition.
 *
 * @param inputs - the measured inputs
 * @param prices - the price table
 * @param options.ordersPerSecond - the steady rate to model
 * @param options.design - ours, or the same work on Powertools idempotency
 * @example
 * ```ts
 * const estimate = costModel(await readMeasuredInputs(), PRICES, { ordersPerSecond: 100, design: 'ours' });
 * estimate.totalOnDemand; // USD per month
 * ```
 */
export function costModel(
  inputs: MeasuredInputs,
  prices: PriceTable,
  options: { ordersPerSecond: number; design: Design },
): CostEstimate {
  const { ordersPerSecond, design } = options;
  const { batchSize, minimumPollers, maximumPollers } = inputs.mappingSettings;
  const perOrder = (total: number) => total / inputs.orders;
  const limits: string[] = [];

  const partitionCapacity = (functionKey: string) =>
    batchSize / (functionDuration(inputs, functionKey, batchSize) / 1000);
  const partitions: CostEstimate['partitions'] = {};
  for (const mapping of inputs.mappings) {
    const topic = inputs.topics[mapping.topic];
    const recordsPerSecond = ordersPerSecond * perOrder(mapping.records);
    const needed = Math.ceil(
      recordsPerSecond / (ASSUMPTIONS.utilisationTarget * partitionCapacity(mapping.functionKey)),
    );
    const configured = topic?.partitions ?? 1;
    partitions[mapping.topic] = {
      configured,
      needed: Math.max(partitions[mapping.topic]?.needed ?? 0, needed, configured),
    };
  }

  const mappings: MappingCapacity[] = inputs.mappings.map((mapping) => {
    const topic = inputs.topics[mapping.topic];
    const recordsPerSecond = ordersPerSecond * perOrder(mapping.records);
    const partitionCount = partitions[mapping.topic]?.needed ?? 1;
    const bytesPerRecord = topic && topic.records > 0 ? topic.bytes / topic.records : 0;
    const megabytesPerSecond = (recordsPerSecond * bytesPerRecord) / 1e6;
    // Pollers and invocations depend on each other: from the minimum, until the pollers settle.
    let pollers = minimumPollers;
    for (;;) {
      const load = invocationLoad(inputs, mapping.functionKey, recordsPerSecond, pollers);
      const needed = Math.min(
        partitionCount,
        Math.max(
          minimumPollers,
          Math.ceil(load.concurrency / ASSUMPTIONS.pollerConcurrentInvocations),
          Math.ceil(megabytesPerSecond / ASSUMPTIONS.pollerMegabytesPerSecond),
        ),
      );
      if (needed <= pollers)
        return {
          functionKey: mapping.functionKey,
          topic: mapping.topic,
          recordsPerSecond,
          ...load,
          partitionRecordsPerSecond: partitionCapacity(mapping.functionKey),
          pollers,
          megabytesPerSecond,
        };
      pollers = needed;
    }
  });

  const lambdaPerSecond = sum(mappings.map((mapping) => mapping.invocationsPerSecond));
  const gbSecondsPerSecond = sum(
    mappings.map(
      (mapping) =>
        ((mapping.invocationsPerSecond * mapping.durationMs) / 1000) *
        ((inputs.functions[mapping.functionKey]?.memoryMb ?? 0) / 1024),
    ),
  );
  const dynamo = Object.values(inputs.functions).map(
    (measured) => dynamoDbPerOrder(measured.dynamodb, inputs.idempotencyTable, inputs.orders)[design],
  );
  const dynamoPerOrder: DynamoDbPerOrder = {
    requests: sum(dynamo.map(({ requests }) => requests)),
    writeUnits: sum(dynamo.map(({ writeUnits }) => writeUnits)),
    readUnits: sum(dynamo.map(({ readUnits }) => readUnits)),
  };
  const topics = Object.entries(inputs.topics);
  const ingressBytesPerSecond = sum(topics.map(([, topic]) => ordersPerSecond * perOrder(topic.bytes)));
  const storageGb =
    sum(topics.map(([, topic]) => ordersPerSecond * perOrder(topic.bytes) * topic.retentionHours * 3600)) *
    (ASSUMPTIONS.replicationFactor / 1e9);
  const partitionReplicas =
    sum(topics.map(([name, topic]) => partitions[name]?.needed ?? topic.partitions)) *
    ASSUMPTIONS.replicationFactor;
  const mskBrokers =
    ASSUMPTIONS.brokersPerStep *
    Math.max(
      1,
      Math.ceil(partitionReplicas / (ASSUMPTIONS.partitionsPerBroker * ASSUMPTIONS.brokersPerStep)),
    );
  const logBytesPerSecond =
    sum(Object.values(inputs.functions).map((measured) => ordersPerSecond * perOrder(measured.logBytes))) +
    lambdaPerSecond * ASSUMPTIONS.platformLogBytesPerInvocation;

  const quantities: CostEstimate['quantities'] = {
    lambdaRequests: lambdaPerSecond * SECONDS_PER_MONTH,
    lambdaGbSeconds: gbSecondsPerSecond * SECONDS_PER_MONTH,
    dynamoDbRequests: ordersPerSecond * dynamoPerOrder.requests * SECONDS_PER_MONTH,
    dynamoDbWriteUnits: ordersPerSecond * dynamoPerOrder.writeUnits * SECONDS_PER_MONTH,
    dynamoDbReadUnits: ordersPerSecond * dynamoPerOrder.readUnits * SECONDS_PER_MONTH,
    provisionedWriteCapacityUnits: Math.ceil(
      (ordersPerSecond * dynamoPerOrder.writeUnits) / ASSUMPTIONS.utilisationTarget,
    ),
    provisionedReadCapacityUnits: Math.ceil(
      (ordersPerSecond * dynamoPerOrder.readUnits) / ASSUMPTIONS.utilisationTarget,
    ),
    mskBrokers,
    mskBrokerHours: mskBrokers * 730,
    mskStorageGb: storageGb,
    mskIngressMegabytesPerSecond: ingressBytesPerSecond / 1e6,
    pollerHours: sum(mappings.map(({ pollers }) => pollers)) * 730,
    logsGb: (logBytesPerSecond * SECONDS_PER_MONTH) / 1e9,
    metrics: inputs.metricSeries,
    alarms: inputs.alarms,
  };

  const priced = (quantity: number, price: { value: number | undefined }, per = 1) =>
    price.value === undefined ? undefined : (quantity / per) * price.value;
  const dollars: CostEstimate['dollars'] = {
    lambdaRequests: priced(quantities.lambdaRequests, prices.lambdaRequests, 1e6),
    lambdaDuration: priced(quantities.lambdaGbSeconds, prices.lambdaGbSecondArm),
    dynamoDbOnDemandWrites: priced(quantities.dynamoDbWriteUnits, prices.dynamoDbWriteRequestUnits, 1e6),
    dynamoDbOnDemandReads: priced(quantities.dynamoDbReadUnits, prices.dynamoDbReadRequestUnits, 1e6),
    dynamoDbProvisionedWrites: priced(
      quantities.provisionedWriteCapacityUnits * 730,
      prices.dynamoDbWriteCapacityUnitHour,
    ),
    dynamoDbProvisionedReads: priced(
      quantities.provisionedReadCapacityUnits * 730,
      prices.dynamoDbReadCapacityUnitHour,
    ),
    mskBrokers: priced(quantities.mskBrokerHours, prices.mskBrokerHour),
    mskStorage: priced(quantities.mskStorageGb, prices.mskStorageGbMonth),
    eventPollers: priced(quantities.pollerHours, prices.eventPollerUnitHour),
    cloudWatchLogs: priced(quantities.logsGb, prices.cloudWatchLogsIngestedGb),
    cloudWatchMetrics: priced(quantities.metrics, prices.cloudWatchMetricMonth),
    cloudWatchAlarmsAndDashboard:
      (priced(quantities.alarms, prices.cloudWatchAlarmMonth) ?? 0) +
      (prices.cloudWatchDashboardMonth.value ?? 0),
  };
  const common = sum(
    Object.entries(dollars)
      .filter(([line]) => !line.startsWith('dynamoDb'))
      .map(([, value]) => value ?? 0),
  );
  const totalOnDemand = common + (dollars.dynamoDbOnDemandWrites ?? 0) + (dollars.dynamoDbOnDemandReads ?? 0);
  const totalProvisioned =
    common + (dollars.dynamoDbProvisionedWrites ?? 0) + (dollars.dynamoDbProvisionedReads ?? 0);

  // Where it stops scaling.
  for (const [topic, { configured, needed }] of Object.entries(partitions))
    if (needed > configured)
      limits.push(
        `${topic}: needs ${needed} partitions, has ${configured} — add them before the load (new partitions move keys: drain first to keep per-key order)`,
      );
  for (const mapping of mappings)
    if (mapping.pollers > maximumPollers)
      limits.push(
        `${mapping.functionKey} ⇐ ${mapping.topic}: needs ${mapping.pollers} pollers, MaximumPollers is ${maximumPollers} (serverless.yml)`,
      );
  const concurrency = sum(mappings.map((mapping) => mapping.concurrency));
  if (concurrency > ASSUMPTIONS.accountConcurrency * ASSUMPTIONS.utilisationTarget)
    limits.push(
      `Lambda: ${Math.ceil(concurrency)} concurrent executions, near or over the account's default ${ASSUMPTIONS.accountConcurrency} (ask for more)`,
    );
  const slowest = mappings.reduce<MappingCapacity | undefined>(
    (worst, mapping) =>
      !worst || mapping.partitionRecordsPerSecond < worst.partitionRecordsPerSecond ? mapping : worst,
    undefined,
  );
  if (slowest)
    limits.push(
      `one key: at most ${Math.floor(slowest.partitionRecordsPerSecond)} records/s (${slowest.functionKey} ⇐ ${slowest.topic}, one batch per partition at a time): a key busier than that lags however many partitions there are`,
    );
  const stockUnits = stockUnitsPerOrder(inputs);
  if (stockUnits)
    limits.push(
      `one SKU: at most ${Math.floor(ASSUMPTIONS.partitionWriteUnitsPerSecond / stockUnits)} orders/s buying it (an order writes its stock item ${stockUnits.toFixed(1)} write units in inventory's transactions — reserve, then commit; one DynamoDB partition takes ${ASSUMPTIONS.partitionWriteUnitsPerSecond} a second)`,
    );
  const largest = largestTransaction(inputs);
  if (largest)
    limits.push(
      `transactions: ${largest.items.toFixed(1)} items on average in ${largest.functionKey}'s (at most ${ASSUMPTIONS.transactionItems}, 4 MB): a record's outbox and writes must stay under both`,
    );
  if (partitionReplicas > ASSUMPTIONS.partitionsPerBroker * ASSUMPTIONS.brokersPerStep)
    limits.push(
      `MSK: ${partitionReplicas} partition replicas need ${mskBrokers} brokers at ${ASSUMPTIONS.partitionsPerBroker} each`,
    );

  return {
    ordersPerSecond,
    ordersPerMonth: ordersPerSecond * SECONDS_PER_MONTH,
    design,
    mappings,
    partitions,
    quantities,
    dollars,
    totalOnDemand,
    totalProvisioned,
    limits,
  };
}

/**
 * What an order writes to one SKU's stock item (`sku#…` items in inventory's transactions, per SKU the
 * order buys): the hot product every order wants takes this much of its item's partition.
 */
function stockUnitsPerOrder(inputs: MeasuredInputs): number | undefined {
  const stock =
    inputs.functions.inventory?.dynamodb.TransactWriteItems?.itemKinds?.[`${TABLE_VARIABLES.inventory} sku`];
  return stock ? stock / inputs.orders / inputs.skusPerOrder : undefined;
}

/** The function whose transactions hold the most items on average. */
function largestTransaction(inputs: MeasuredInputs): { functionKey: string; items: number } | undefined {
  let largest: { functionKey: string; items: number } | undefined;
  for (const [functionKey, measured] of Object.entries(inputs.functions)) {
    const transaction = measured.dynamodb.TransactWriteItems;
    if (!transaction || transaction.requests === 0) continue;
    const items = sum(Object.values(transaction.tables).map((table) => table.items)) / transaction.requests;
    if (!largest || items > largest.items) largest = { functionKey, items };
  }
  return largest;
}
