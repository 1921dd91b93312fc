import { readFile, writeFile } from 'node:fs/promises';
import * as z from 'zod';

/** The measured inputs are missing or not what the model reads: measure again. */
export class CostInputsError extends Error {
  override name = 'CostInputsError';
}

/** Where `npm run cost -- --measure` writes its figures and `npm run cost` reads them (committed). */
export const MEASURED_INPUTS_FILE = new URL('../../bench/baselines/cost-inputs.json', import.meta.url);

const OperationUsage = z.object({
  requests: z.number(),
  failed: z.number(),
  ms: z.number(),
  /** per table, by the environment variable naming it (IDEMPOTENCY_TABLE, …) */
  tables: z.record(z.string(), z.object({ units: z.number(), items: z.number() })),
  /** a transaction's units per table and kind of item (`INVENTORY_TABLE sku`) */
  itemKinds: z.record(z.string(), z.number()).optional(),
});
export type OperationUsage = z.infer<typeof OperationUsage>;

/** DynamoDB usage by operation (`PutItem`, `TransactWriteItems`, …), totals over the run. */
export const DynamoDbUsage = z.record(z.string(), OperationUsage);
export type DynamoDbUsage = z.infer<typeof DynamoDbUsage>;

/** One event source mapping: a function reading a topic. */
const MappingInputs = z.object({
  functionKey: z.string(),
  topic: z.string(),
  /** records the mapping delivered to its function during the run, duplicates included */
  records: z.number(),
  invocations: z.number(),
});

const FunctionInputs = z.object({
  memoryMb: z.number(),
  /** invocation time as `fixed + perRecord × records`, least squares over the run's warm invocations */
  durationMs: z.object({ fixed: z.number(), perRecord: z.number(), samples: z.number() }),
  /** bytes the function wrote to its log (stdout and stderr) over the run */
  logBytes: z.number(),
  /** metric documents (Embedded Metric Format) among them */
  metricDocuments: z.number(),
  dynamodb: DynamoDbUsage,
});
export type FunctionInputs = z.infer<typeof FunctionInputs>;

/**
 * What a run of the real functions on DynamoDB Local and Apache Kafka measured: every figure the
 * cost model multiplies, as totals over `orders` orders (the model divides).
 */
export const MeasuredInputs = z.object({
  measuredAt: z.iso.datetime(),
  /** cores, Node.js, the Kafka the run used */
  machine: z.string(),
  /** what was run: the orders and their outcomes */
  workload: z.string(),
  orders: z.number().int().positive(),
  /** distinct SKUs an order of the workload buys, on average */
  skusPerOrder: z.number().positive(),
  /** the variable naming the table that holds the idempotency markers (and their outboxes) */
  idempotencyTable: z.string(),
  mappings: z.array(MappingInputs),
  functions: z.record(z.string(), FunctionInputs),
  /** distinct custom metrics (namespace, name, dimension values) the functions' metric documents created */
  metricSeries: z.number(),
  /** CloudWatch alarms in the packaged template */
  alarms: z.number(),
  /** the deadline sweep and the query API, which run in the emulator's process */
  otherDynamodb: DynamoDbUsage,
  /** per topic: records and bytes on the broker's disk (one replica) after the run */
  topics: z.record(
    z.string(),
    z.object({ records: z.number(), bytes: z.number(), partitions: z.number(), retentionHours: z.number() }),
  ),
  /** the mappings' settings as deployed (serverless.yml) */
  mappingSettings: z.object({
    batchSize: z.number(),
    batchingWindowSeconds: z.number(),
    minimumPollers: z.number(),
    maximumPollers: z.number(),
  }),
});
export type MeasuredInputs = z.infer<typeof MeasuredInputs>;

/**
 * The measured inputs from a file.
 *
 * @param file - the JSON `npm run cost -- --measure` wrote
 * @throws CostInputsError saying to measure again when the file is missing or does not hold measured inputs
 */
export async function readMeasuredInputs(file: URL | string = MEASURED_INPUTS_FILE): Promise<MeasuredInputs> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new CostInputsError(`no measured inputs at ${String(file)}: run npm run cost -- --measure`, {
      cause: error,
    });
  });
  const parsed = MeasuredInputs.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new CostInputsError(
      `${String(file)} does not hold measured inputs (${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}): measure again with npm run cost -- --measure`,
    );
  return parsed.data;
}

/** Write measured inputs, checked against the schema first. */
export async function writeMeasuredInputs(
  inputs: MeasuredInputs,
  file: URL | string = MEASURED_INPUTS_FILE,
): Promise<void> {
  await writeFile(file, `${JSON.stringify(MeasuredInputs.parse(inputs), null, 2)}\n`);
}
