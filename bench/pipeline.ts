/**
 * `npm run bench -- pipeline`: the core pipeline against named baselines, in the same run.
 * Ends with exactly five lines:
 *   calls_per_record ours=<n> powertools=<n>
 *   write_units_per_record ours=<n> powertools=<n> read_units_per_record ours=<n> powertools=<n>
 *   keyed_concurrency speedup=<x> ideal=<y> order_violations=<n>
 *   overhead_us_per_record ours=<n> powertools_parser=<n>
 *   steps_us base64=<n> json_parse=<n> payload_hash=<n> zod=<n>
 */

import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { parse } from '@aws-lambda-powertools/parser';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { KafkaMskEventSchema, KafkaRecordSchema } from '@aws-lambda-powertools/parser/schemas/kafka';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { lambdaContext } from '@msk-patterns/emulator';
import {
  BatchProcessor,
  containerContext,
  dynamoDbConfig,
  encodeMskEvent,
  envelopeFor,
  envelopeSchema,
  type IdempotencyBackend,
  IdempotencyStore,
  type KafkaBatchResponse,
  type MessageHandler,
  type MskEvent,
  type OutgoingRecord,
  type ProcessorOptions,
  type Publisher,
  payloadHash,
  type RecordInput,
  recordFor,
  stableId,
} from '@msk-patterns/pipeline';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import * as zodMini from 'zod/mini';
import { contracts } from '../lib/contracts/index.js';
import { orderConfirmedV1 } from '../lib/contracts/order-events.js';
import { placeOrderV1 } from '../lib/contracts/orders.js';
import { startServiceInfrastructure } from '../local/service.js';

const fixed = (value: number) => value.toFixed(2);
const log = (line: string) => console.log(line);

function records(
  count: number,
  options: { keys: number; partitions: number; firstOffset?: number; runId: string },
): RecordInput[] {
  const offsets = new Map<number, number>();
  return Array.from({ length: count }, (_, index) => {
    const key = `order-${options.runId}-${index % options.keys}`;
    const partition = (index % options.keys) % options.partitions;
    const offset = (offsets.get(partition) ?? options.firstOffset ?? 0) + 0;
    offsets.set(partition, offset + 1);
    const envelope = envelopeFor(
      placeOrderV1,
      {
        orderId: key,
        customerId: 'c-1',
        currency: 'EUR',
        items: [{ sku: 'sku-1', quantity: 1, unitPrice: 1250 }],
      },
      { id: `${options.runId}-${index}` },
    );
    return recordFor('orders.commands', envelope, { partition, offset, key });
  });
}

/**
 * The event as a handler receives it: the Node.js runtime parses the invocation's JSON payload, so
 * its objects and arrays have the shapes JSON.parse gives them (cheaper to walk than built ones).
 */
function asDelivered(inputs: RecordInput[]): MskEvent {
  return JSON.parse(JSON.stringify(encodeMskEvent(inputs)));
}

/** Split records into consecutive batches, as the mapping delivers them (BatchSize 100 by default). */
function batches(all: RecordInput[], size: number): MskEvent[] {
  const events: MskEvent[] = [];
  for (let start = 0; start < all.length; start += size)
    events.push(asDelivered(all.slice(start, start + size)));
  return events;
}

/**
 * A DynamoDB client that counts its requests and the capacity DynamoDB says each consumed: AWS bills
 * write and read units, not requests, and a transaction costs two write units per item per KB
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling).
 * Every request asks for `ReturnConsumedCapacity: TOTAL`; DynamoDB Local answers with `CapacityUnits`,
 * counted here as write or read units by the operation. Its figure is DynamoDB's for what this bench
 * writes — single items, and transactions of one item per table (a 1 KB put: 1; a transaction of a 1 KB
 * and a 3 KB put in two tables: 8) — but not for a transaction of several items in one table, which it
 * reports as twice the largest (docs/cost.md, "DynamoDB Local and transactions").
 */
function countingClient(endpoint: string) {
  const counted = { requests: 0, writeUnits: 0, readUnits: 0 };
  const client = new DynamoDBClient(dynamoDbConfig({ DYNAMODB_ENDPOINT: endpoint }));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counted.requests++;
      if (typeof args.input === 'object' && args.input !== null)
        Reflect.set(args.input, 'ReturnConsumedCapacity', 'TOTAL');
      const result = await next(args);
      const consumed: unknown = Reflect.get(Object(result.output), 'ConsumedCapacity');
      const units = (Array.isArray(consumed) ? consumed : [consumed]).reduce(
        (sum: number, capacity: unknown) => sum + Number(Reflect.get(Object(capacity), 'CapacityUnits') ?? 0),
        0,
      );
      if (/^(Put|Update|Delete|TransactWrite|BatchWrite)/.test(context.commandName ?? ''))
        counted.writeUnits += units;
      else counted.readUnits += units;
      return result;
    },
    { step: 'initialize', name: 'countRequestsAndCapacity' },
  );
  return { client, counted };
}

/** Requests and consumed units per record. */
type PerRecord = { requests: number; writeUnits: number; readUnits: number };
const perRecord = (counted: PerRecord, records: number): PerRecord => ({
  requests: counted.requests / records,
  writeUnits: counted.writeUnits / records,
  readUnits: counted.readUnits / records,
});

async function callsPerRecord(
  endpoint: string,
  publisher: Publisher,
): Promise<{ ours: PerRecord; powertools: PerRecord }> {
  const RECORDS = 500;
  const stateTable = process.env.AUDIT_TABLE as string;
  const idempotencyTable = process.env.IDEMPOTENCY_TABLE as string;

  // Ours: marker + state write + outbox in one request per new record.
  const ours = countingClient(endpoint);
  const oursDocuments = DynamoDBDocumentClient.from(ours.client);
  const handle: MessageHandler = (message, { record }) => ({
    writes: [
      { Put: { TableName: stateTable, Item: { messageId: `ours-${message.id}`, offset: record.offset } } },
    ],
    messages: [
      {
        topic: 'orders.events',
        key: record.key ?? '',
        type: 'OrderConfirmed',
        version: 1,
        data: { orderId: record.key },
      },
    ],
  });
  const processor = new BatchProcessor(
    { name: 'bench-ours', topics: ['orders.commands'], handle },
    { store: new IdempotencyStore(oursDocuments, idempotencyTable), publisher, registry: contracts },
  );
  const runId = Math.random().toString(36).slice(2, 8);
  const oursRecords = records(RECORDS, { keys: 50, partitions: 3, runId: `o${runId}` });
  const started = performance.now();
  for (const event of batches(oursRecords, 100)) {
    const report = await processor.process(event, lambdaContext('bench', 60));
    if (report.outcomes.processed !== Object.values(event.records).flat().length)
      throw new Error('ours: not every record was processed');
  }
  log(
    `  ours: ${ours.counted.requests} DynamoDB requests, ${fixed(ours.counted.writeUnits)} write units for ${RECORDS} records in ${Math.round(performance.now() - started)} ms`,
  );

  // Baseline: Powertools idempotency (makeIdempotent + DynamoDBPersistenceLayer) around the same work.
  const powertools = countingClient(endpoint);
  const ptDocuments = DynamoDBDocumentClient.from(powertools.client);
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: idempotencyTable,
    awsSdkV3Client: powertools.client,
  });
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'id' });
  const processMessage = makeIdempotent(
    async (message: { id: string; key: string; offset: number }) => {
      await ptDocuments.send(
        new PutCommand({
          TableName: stateTable,
          Item: { messageId: `pt-${message.id}`, offset: message.offset },
        }),
      );
      await publisher.publish([
        {
          topic: 'orders.events',
          key: message.key,
          // The same valid event ours sends: the local broker rejects what breaks the contract.
          value: JSON.stringify(
            envelopeFor(
              orderConfirmedV1,
              { orderId: message.key },
              { id: stableId(`${message.id}:0`), causationId: message.id },
            ),
          ),
          headers: {},
        } satisfies OutgoingRecord,
      ]);
      return { ok: true };
    },
    { persistenceStore, config },
  );
  const ptStarted = performance.now();
  for (const event of batches(records(RECORDS, { keys: 50, partitions: 3, runId: `p${runId}` }), 100)) {
    const context = lambdaContext('bench', 60);
    config.registerLambdaContext(context);
    for (const record of Object.values(parse(event, undefined, KafkaMskEventSchema).records).flat()) {
      const message = contracts.validate(record.topic, record.value);
      await processMessage({ id: message.id, key: record.key ?? '', offset: record.offset });
    }
  }
  log(
    `  powertools: ${powertools.counted.requests} DynamoDB requests, ${fixed(powertools.counted.writeUnits)} write units for ${RECORDS} records in ${Math.round(performance.now() - ptStarted)} ms`,
  );
  return { ours: perRecord(ours.counted, RECORDS), powertools: perRecord(powertools.counted, RECORDS) };
}

/** A store and publisher that cost nothing: what is left to measure is the pipeline itself. */
function freeStore(): IdempotencyBackend {
  return {
    existing: async () => new Set(),
    find: async () => undefined,
    commit: async () => ({ status: 'committed' }),
    claim: async () => ({ status: 'claimed', token: 't' }),
    complete: async () => {},
    release: async () => {},
    markRepublished: async () => {},
    lettersWritten: async () => new Set(),
    markLettersWritten: async () => {},
  };
}
const freePublisher: Publisher = { publish: async () => {} };

async function keyedConcurrency(): Promise<{ speedup: number; ideal: number; violations: number }> {
  const RECORDS = 1_000;
  const KEYS = 100;
  const CONCURRENCY = 16;
  const event = asDelivered(records(RECORDS, { keys: KEYS, partitions: 3, runId: 'kc' }));
  let violations = 0;
  const run = async (concurrency: number) => {
    const lastOffset = new Map<string, number>();
    const inFlight = new Set<string>();
    const handle: MessageHandler = async (_message, { record }) => {
      const key = `${record.partitionKey}/${record.key}`;
      // A violation: a key already running (two of its records at once), or one out of offset order.
      if (inFlight.has(key) || (lastOffset.get(key) ?? -1) >= record.offset) violations++;
      inFlight.add(key);
      lastOffset.set(key, record.offset);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight.delete(key);
      return {};
    };
    const options: ProcessorOptions = { name: 'bench-kc', topics: ['orders.commands'], handle, concurrency };
    const processor = new BatchProcessor(options, {
      store: freeStore(),
      publisher: freePublisher,
      registry: contracts,
    });
    const started = performance.now();
    const report = await processor.process(event, lambdaContext('bench', 900));
    if (report.outcomes.processed !== RECORDS)
      throw new Error('keyed concurrency: not every record was processed');
    return performance.now() - started;
  };
  const sequential = await run(1);
  const concurrent = await run(CONCURRENCY);
  log(`  sequential ${Math.round(sequential)} ms, concurrency ${CONCURRENCY}: ${Math.round(concurrent)} ms`);
  return { speedup: sequential / concurrent, ideal: Math.min(CONCURRENCY, KEYS), violations };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * What one record's steps cost, in µs, on the order command the other figures use: the figures
 * docs/benchmarks.md explains the overhead with. Each step runs over 20,000 copies, median of 9.
 */
function steps(): Record<string, number> {
  const COPIES = 20_000;
  const [record] = Object.values(
    asDelivered(records(1, { keys: 1, partitions: 1, runId: 'st' })).records,
  ).flat();
  const base64 = record?.value ?? '';
  const bytes = Buffer.from(base64, 'base64');
  const json = bytes.toString('utf8');
  const envelope: unknown = JSON.parse(json);
  // The registry's schema for the contract: envelope + the contract's data.
  const schema = zodMini.extend(envelopeSchema, { data: placeOrderV1.data });
  if (!zodMini.safeParse(schema, envelope).success) throw new Error('steps: zod refuses the order command');
  const time = (step: () => unknown) => {
    const rounds: number[] = [];
    for (let round = 0; round < 9; round++) {
      const started = performance.now();
      for (let copy = 0; copy < COPIES; copy++) step();
      rounds.push(((performance.now() - started) * 1000) / COPIES);
    }
    return median(rounds);
  };
  return {
    base64: time(() => Buffer.from(base64, 'base64')),
    json_parse: time(() => JSON.parse(json)),
    payload_hash: time(() => payloadHash(bytes)),
    zod: time(() => zodMini.safeParse(schema, envelope)),
  };
}

async function overhead(): Promise<{ ours: number; powertools: number }> {
  const RECORDS = 10_000;
  const ROUNDS = 15;
  const event = asDelivered(records(RECORDS, { keys: 1_000, partitions: 10, runId: 'oh' }));
  const context: Context = lambdaContext('bench', 900);

  const noop: MessageHandler = () => ({});
  const oursRun = async () => {
    const processor = new BatchProcessor(
      { name: 'bench-overhead', topics: ['orders.commands'], handle: noop },
      { store: freeStore(), publisher: freePublisher, registry: contracts },
    );
    const started = performance.now();
    const report = await processor.process(event, context);
    if (report.outcomes.processed !== RECORDS) throw new Error('overhead: not every record was processed');
    return performance.now() - started;
  };

  // Baseline: the same steps built on Powertools Parser, as its docs extend a built-in schema: the MSK
  // event schema with each record's value parsed as JSON and validated by the topic's contracts (a
  // discriminated union of envelope + data per message type), then grouped and answered.
  const messageSchema = z.discriminatedUnion(
    'type',
    contracts.contracts
      .filter((contract) => contract.topic === 'orders.commands')
      .map((contract) =>
        z.object({
          ...envelopeSchema.shape,
          type: z.literal(contract.type),
          version: z.literal(contract.version),
          data: contract.data,
        }),
      ) as unknown as [z.ZodObject, ...z.ZodObject[]],
  );
  const eventSchema = KafkaMskEventSchema.extend({
    records: z.record(
      z.string(),
      z.array(
        KafkaRecordSchema.extend({
          value: KafkaRecordSchema.shape.value.pipe(JSONStringified(messageSchema)),
        }),
      ),
    ),
  });
  const powertoolsRun = async () => {
    const started = performance.now();
    const parsed = parse(event, undefined, eventSchema);
    const groups = new Map<string, Array<{ offset: number; value: unknown }>>();
    for (const [partitionKey, list] of Object.entries(parsed.records)) {
      for (const record of list) {
        const groupKey = `${partitionKey}\u0000${record.key}`;
        const entry = { offset: record.offset, value: record.value };
        const group = groups.get(groupKey);
        if (group) group.push(entry);
        else groups.set(groupKey, [entry]);
      }
    }
    const failures: KafkaBatchResponse['batchItemFailures'] = [];
    await Promise.all(
      [...groups.values()].map(async (group) => {
        for (const record of group) await noop(record.value as never, {} as never);
      }),
    );
    const response: KafkaBatchResponse = { batchItemFailures: failures };
    if (response.batchItemFailures.length > 0) throw new Error('baseline: unexpected failures');
    return performance.now() - started;
  };

  for (let warmup = 0; warmup < 2; warmup++) {
    await oursRun();
    await powertoolsRun();
  }
  const oursTimes: number[] = [];
  const powertoolsTimes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    oursTimes.push(await oursRun());
    powertoolsTimes.push(await powertoolsRun());
  }
  const ours = (median(oursTimes) * 1000) / RECORDS;
  const powertools = (median(powertoolsTimes) * 1000) / RECORDS;
  log(
    `  ${RECORDS} records, median of ${ROUNDS}: ours ${fixed(median(oursTimes))} ms, powertools parser ${fixed(median(powertoolsTimes))} ms`,
  );
  return { ours, powertools };
}

export async function main(): Promise<void> {
  // The CPU-bound parts run first, before DynamoDB Local's JVM competes for the two cores.
  log('keyed_concurrency: 1,000 records over 100 keys, 5 ms handler');
  const concurrency = await keyedConcurrency();
  log('overhead_us_per_record: 10,000-record event, no-op handler, free store and publisher');
  const cost = await overhead();
  log('steps_us: one order command, each step over 20,000 copies, median of 9');
  const perStep = steps();
  const infrastructure = await startServiceInfrastructure();
  Object.assign(process.env, infrastructure.functionEnvironment);
  const publisher = containerContext().publisher;
  try {
    log('calls_per_record: 500 new records, one state write and one message each, DynamoDB Local');
    const calls = await callsPerRecord(infrastructure.dynamodbEndpoint, publisher);
    log(`calls_per_record ours=${fixed(calls.ours.requests)} powertools=${fixed(calls.powertools.requests)}`);
    log(
      `write_units_per_record ours=${fixed(calls.ours.writeUnits)} powertools=${fixed(calls.powertools.writeUnits)} read_units_per_record ours=${fixed(calls.ours.readUnits)} powertools=${fixed(calls.powertools.readUnits)}`,
    );
    log(
      `keyed_concurrency speedup=${fixed(concurrency.speedup)} ideal=${fixed(concurrency.ideal)} order_violations=${concurrency.violations}`,
    );
    log(`overhead_us_per_record ours=${fixed(cost.ours)} powertools_parser=${fixed(cost.powertools)}`);
    log(
      `steps_us ${Object.entries(perStep)
        .map(([step, us]) => `${step}=${fixed(us)}`)
        .join(' ')}`,
    );
  } finally {
    await publisher.disconnect();
    await infrastructure.stop();
  }
}
