import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClient } from '@msk-patterns/emulator';
import { tableName, topicSettings } from '@msk-patterns/pipeline';
import { Kafka, logLevel } from 'kafkajs';
import * as z from 'zod';
import { ALL_TOPICS } from '../../lib/contracts/topics.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { isTerminal } from '../../lib/domain/saga.js';
import { InventoryStore } from '../../lib/store/inventory.js';
import { SagaStore } from '../../lib/store/sagas.js';
import { awaitCaughtUp } from '../demo/caught-up.js';
import { demoCommands } from '../demo/orders.js';
import { startLocalStack } from '../demo/stack.js';
import { asMessage } from '../demo.js';
import { pollUntil } from '../poll.js';
import type { DynamoDbUsage, FunctionInputs, MeasuredInputs } from './inputs.js';
import { startMeteringProxy, type Usage } from './metering-proxy.js';

/** The run's measured durations of one function: `[records, milliseconds]` per invocation. */
type Samples = Array<readonly [number, number]>;

/**
 * Invocation time as `fixed + perRecord × records`, by least squares. The first invocations of a
 * function start its processes (a cold start, which a steady workload rarely pays): left out, unless
 * there is nothing else (a tiny run), when they are the only figure there is.
 */
export function fitDuration(samples: Samples, coldStarts = 2): FunctionInputs['durationMs'] {
  const warm = samples.length > coldStarts ? samples.slice(coldStarts) : samples;
  const n = warm.length;
  if (n === 0) return { fixed: 0, perRecord: 0, samples: 0 };
  const meanX = warm.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = warm.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxx = warm.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  const sxy = warm.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  // All batches of one size: no slope to fit, the mean per record is the honest figure.
  const perRecord = sxx === 0 ? meanY / meanX : Math.max(0, sxy / sxx);
  const fixed = Math.max(0, meanY - perRecord * meanX);
  return { fixed, perRecord, samples: n };
}

/** Bytes per topic on the broker's disk: the `.log` segments of its partitions (one replica). */
async function bytesOnDisk(dataDirectory: string): Promise<Map<string, number>> {
  const logDirectory = join(dataDirectory, 'log');
  const bytes = new Map<string, number>();
  for (const entry of await readdir(logDirectory, { withFileTypes: true })) {
    const topic = /^(.+)-\d+$/.exec(entry.name)?.[1];
    if (!entry.isDirectory() || !topic || !ALL_TOPICS.includes(topic)) continue;
    for (const file of await readdir(join(logDirectory, entry.name))) {
      if (file.endsWith('.log'))
        bytes.set(topic, (bytes.get(topic) ?? 0) + (await stat(join(logDirectory, entry.name, file))).size);
    }
  }
  return bytes;
}

/** Usage with physical table names replaced by the variables naming them (the same on every stage). */
function byTableVariable(usage: Usage, variables: ReadonlyMap<string, string>): DynamoDbUsage {
  return Object.fromEntries(
    Object.entries(usage).map(([operation, counted]) => [
      operation,
      {
        ...counted,
        tables: Object.fromEntries(
          Object.entries(counted.tables).map(([table, units]) => [variables.get(table) ?? table, units]),
        ),
        ...(counted.itemKinds
          ? {
              itemKinds: Object.fromEntries(
                Object.entries(counted.itemKinds).map(([kind, units]) => {
                  const [table = '', itemKind = ''] = kind.split(' ');
                  return [`${variables.get(table) ?? table} ${itemKind}`, units];
                }),
              ),
            }
          : {}),
      },
    ]),
  );
}

const MetricDocument = z.object({
  _aws: z.object({
    CloudWatchMetrics: z.array(
      z.object({
        Namespace: z.string(),
        Dimensions: z.array(z.array(z.string())),
        Metrics: z.array(z.object({ Name: z.string() })),
      }),
    ),
  }),
});

/**
 * A function's log as Lambda would ship it to CloudWatch Logs: its bytes, and the metric series its
 * Embedded Metric Format documents create (namespace, metric, dimension values: each is a custom
 * metric CloudWatch bills by the month).
 */
class FunctionLog {
  bytes = 0;
  metricDocuments = 0;
  readonly series = new Set<string>();
  #partial = '';

  write(chunk: Buffer): void {
    this.bytes += chunk.length;
    const lines = (this.#partial + chunk.toString('utf8')).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('"_aws"')) continue;
      const values: Record<string, unknown> = JSON.parse(line);
      const document = MetricDocument.safeParse(values);
      if (!document.success) continue;
      this.metricDocuments++;
      for (const directive of document.data._aws.CloudWatchMetrics)
        for (const dimensions of directive.Dimensions)
          for (const metric of directive.Metrics)
            this.series.add(
              [
                directive.Namespace,
                metric.Name,
                ...dimensions.map((name) => `${name}=${String(values[name])}`),
              ].join(' '),
            );
    }
  }
}

const MappingSettings = z.object({
  ProvisionedPollerConfig: z.object({ MinimumPollers: z.number(), MaximumPollers: z.number() }),
});
const Memory = z.object({ memorySize: z.number() });

/**
 * Run `orders` orders that complete through every function — each behind its emulated mapping, in
 * processes of its own whose DynamoDB endpoint is a metering proxy named after it — and measure what
 * the cost model multiplies: records per mapping, invocations, durations, log bytes, DynamoDB requests
 * and the capacity DynamoDB reports, bytes per topic. Needs the broker it starts (bytes are read from
 * its disk), so `KAFKA_BROKERS` must not be set.
 *
 * @param options.orders - orders to place
 * @param options.log - progress lines
 * @param options.templatePath - the dev stage's packaged template, if already packaged (else it packages)
 */
export async function measureCostInputs(options: {
  orders: number;
  log: (line: string) => void;
  signal: AbortSignal;
  templatePath?: string | undefined;
}): Promise<MeasuredInputs> {
  if (process.env.KAFKA_BROKERS)
    throw new Error(
      'the cost run reads bytes per topic from the disk of the broker it starts: unset KAFKA_BROKERS',
    );
  let upstream = '';
  const meter = await startMeteringProxy(() => upstream);
  const samples = new Map<string, Samples>();
  const logs = new Map<string, FunctionLog>();
  // As deployed (serverless.yml): a provider that never fails on purpose, INFO logs, metrics on.
  process.env.PAYMENT_PROVIDER_FAILURE_RATE = '0';
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const stack = await startLocalStack({
    log: (line) => {
      if (!line.includes(' ← ')) options.log(line);
    },
    signal: options.signal,
    templatePath: options.templatePath,
    environment: (infrastructure) => {
      upstream = infrastructure.dynamodbEndpoint;
      return { DYNAMODB_ENDPOINT: meter.endpointFor('in-process') };
    },
    processes: {
      env: (functionKey) => ({ ...process.env, DYNAMODB_ENDPOINT: meter.endpointFor(functionKey) }),
      killAfterResponseRate: 0,
      onFault: () => {},
      output: (functionKey, chunk) => {
        const log = logs.get(functionKey) ?? new FunctionLog();
        log.write(chunk);
        logs.set(functionKey, log);
      },
    },
    onInvocation: (functionKey, invocation) => {
      const list = samples.get(functionKey) ?? [];
      list.push([invocation.records, invocation.durationMs]);
      samples.set(functionKey, list);
    },
  });
  const { infrastructure, emulator } = stack;
  const kafka = new Kafka({ brokers: infrastructure.kafkaBrokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    const broker = infrastructure.broker;
    if (!broker) throw new Error('the cost run needs the broker it starts');
    const environment = infrastructure.functionEnvironment;
    const documents = DynamoDBDocumentClient.from(localDynamoDbClient(infrastructure.dynamodbEndpoint));
    const sagas = new SagaStore(documents, tableName(TABLE_VARIABLES.sagas, environment));
    const inventory = new InventoryStore(documents, tableName(TABLE_VARIABLES.inventory, environment));
    // The demo's regular orders only (two lines, in stock, under the payment limit): each completes.
    const commands = demoCommands(options.orders * 2, randomUUID());
    const places = commands.places
      .filter(
        (place) => place.data.items.length === 2 && place.data.items.every((item) => item.unitPrice < 5000),
      )
      .slice(0, options.orders);
    await Promise.all(commands.stock.map(({ sku, units }) => inventory.receive(sku, units)));
    await producer.connect();
    // Bursts of 1 to 30 orders a little more than a batching window apart: batches of many sizes, so
    // that a function's time splits into what an invocation costs and what a record adds.
    const bursts = [1, 3, 10, 30, 5, 20];
    for (let sent = 0, burst = 0; sent < places.length; burst++) {
      const size = bursts[burst % bursts.length] ?? 1;
      await producer.send({
        topic: 'orders.commands',
        acks: -1,
        messages: places.slice(sent, sent + size).map(asMessage),
      });
      sent += size;
      await setTimeout(2_000);
    }
    const orderIds = places.map((place) => place.data.orderId);
    const outcomes = new Map<string, number>();
    const finished = await pollUntil(
      async () => {
        const states = [...(await sagas.getMany(orderIds)).values()].map((saga) => saga.state);
        outcomes.clear();
        for (const state of states) outcomes.set(state, (outcomes.get(state) ?? 0) + 1);
        return states.length === orderIds.length && states.every(isTerminal);
      },
      { timeoutMs: 300_000, intervalMs: 500 },
    );
    if (!finished) throw new Error(`the cost run's orders did not finish: ${JSON.stringify([...outcomes])}`);
    const consumers = emulator.runners.map(({ mapping }) => ({
      groupId: mapping.consumerGroupId,
      topic: mapping.topic,
    }));
    const caughtUp = await awaitCaughtUp(kafka, consumers, 120_000);
    if (caughtUp.behind.size > 0) throw new Error('the mappings did not catch up after the orders finished');

    const tableVariables = new Map<string, string>(
      Object.values(TABLE_VARIABLES).map((variable) => [tableName(variable, environment), variable]),
    );
    const admin = kafka.admin();
    await admin.connect();
    const disk = await bytesOnDisk(broker.dataDirectory);
    const topics: MeasuredInputs['topics'] = {};
    for (const topic of ALL_TOPICS) {
      const offsets = await admin.fetchTopicOffsets(topic);
      const settings = topicSettings(topic);
      topics[topic] = {
        records: offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0),
        bytes: disk.get(topic) ?? 0,
        partitions: settings.partitions,
        retentionHours: settings.retentionHours,
      };
    }
    await admin.disconnect();
    const { config } = infrastructure;
    const custom = z.object({ mskPatterns: z.object({ mapping: MappingSettings }) }).parse(config.custom);
    const defaultMemory = Memory.parse(config.provider).memorySize;
    const functionKeys = [...new Set(emulator.runners.map(({ mapping }) => mapping.functionKey))];
    const first = emulator.runners[0]?.mapping;
    return {
      measuredAt: new Date().toISOString(),
      machine: `${cpus().length} cores, Node.js ${process.versions.node}, ${infrastructure.brokerDescription}`,
      workload: `${orders(outcomes)} (the demo's regular orders: two lines, in stock, under the payment limit), produced in bursts of 1 to 30 orders two seconds apart`,
      orders: orderIds.length,
      skusPerOrder:
        places.reduce((total, place) => total + new Set(place.data.items.map((item) => item.sku)).size, 0) /
        places.length,
      idempotencyTable: TABLE_VARIABLES.idempotency,
      mappings: emulator.runners.map(({ mapping, stats }) => ({
        functionKey: mapping.functionKey,
        topic: mapping.topic,
        records: stats.records,
        invocations: stats.invocations,
      })),
      functions: Object.fromEntries(
        functionKeys.map((functionKey) => [
          functionKey,
          {
            memoryMb: Memory.partial().parse(config.functions[functionKey]).memorySize ?? defaultMemory,
            durationMs: fitDuration(samples.get(functionKey) ?? []),
            logBytes: logs.get(functionKey)?.bytes ?? 0,
            metricDocuments: logs.get(functionKey)?.metricDocuments ?? 0,
            dynamodb: byTableVariable(meter.usage[functionKey] ?? {}, tableVariables),
          },
        ]),
      ),
      alarms: Object.values(
        z
          .object({ Resources: z.record(z.string(), z.object({ Type: z.string() })) })
          .parse(JSON.parse(await readFile(stack.templatePath, 'utf8'))).Resources,
      ).filter(({ Type }) => Type === 'AWS::CloudWatch::Alarm').length,
      metricSeries: new Set([...logs.values()].flatMap((log) => [...log.series])).size,
      otherDynamodb: byTableVariable(meter.usage['in-process'] ?? {}, tableVariables),
      topics,
      mappingSettings: {
        batchSize: first?.batchSize ?? 100,
        batchingWindowSeconds: (first?.batchingWindowMs ?? 0) / 1000,
        minimumPollers: custom.mskPatterns.mapping.ProvisionedPollerConfig.MinimumPollers,
        maximumPollers: custom.mskPatterns.mapping.ProvisionedPollerConfig.MaximumPollers,
      },
    };
  } finally {
    await producer.disconnect().catch(() => {});
    await stack.shutdown();
    await meter.close();
  }
}

function orders(outcomes: ReadonlyMap<string, number>): string {
  return [...outcomes].map(([state, count]) => `${count} ${state}`).join(', ');
}
