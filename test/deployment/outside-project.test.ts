import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const execFileAsync = promisify(execFile);

/** Run a command; a failure says what the command printed. */
async function run(
  command: string,
  args: string[],
  options: Parameters<typeof execFileAsync>[2] & { cwd: string },
) {
  try {
    return await execFileAsync(command, args, { ...options, encoding: 'utf8' });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout}\n${stderr}`);
  }
}
const repository = resolve('.');
/** Every package of the repository: the emulator needs the other two. */
const PACKAGES = ['@msk-patterns/pipeline', '@msk-patterns/emulator', '@msk-patterns/serverless-plugin'];

/**
 * The packages as another team gets them: packed with `npm pack`, installed from the tarballs into a
 * new project in a temporary folder outside the repository, and used there through their entry points
 * by a consumer of that team's own contract, table and topic — written in TypeScript, compiled with
 * that project's own compiler settings (strict, NodeNext), run by plain Node behind the emulated MSK
 * event source mapping on DynamoDB Local and the broker. Nothing of the repository is on that
 * project's module path.
 */
const CONSUMER = `
import {
  consumer,
  ContractRegistry,
  defineContract,
  publishedTopics,
  TABLE_ACCESS,
  TransientError,
  type ProducerDeclaration,
} from '@msk-patterns/pipeline';
import * as z from 'zod/mini';

export const TOPIC = process.env.LOYALTY_TOPIC ?? 'loyalty.orders';

export const orderPaid = defineContract({
  topic: TOPIC,
  type: 'OrderPaid',
  version: 1,
  description: 'A customer paid for an order.',
  data: z.object({ orderId: z.string(), total: z.int() }),
});

export const produces: ProducerDeclaration[] = [];
export const calls: string[] = [];

export const handler = consumer({
  name: 'loyalty',
  registry: new ContractRegistry([orderPaid]),
  accepts: [orderPaid],
  publishes: publishedTopics(produces),
  tables: { POINTS_TABLE: TABLE_ACCESS.write },
  retry: { baseDelayMs: 5, maxDelayMs: 20 },
  handle: (message) => {
    calls.push(message.data.orderId);
    if (message.data.orderId.startsWith('unavailable')) throw new TransientError('the points ledger is down');
    return {
      writes: [
        {
          // Added, not set: a second commit of the same message would show as twice the points.
          Update: {
            TableName: process.env.POINTS_TABLE ?? 'points',
            Key: { orderId: message.data.orderId },
            UpdateExpression: 'ADD points :points',
            ExpressionAttributeValues: { ':points': Math.floor(message.data.total / 100) },
          },
        },
      ],
    };
  },
});
`;

/**
 * The team's own script: its table and topic, its consumer run behind the emulated MSK event source
 * mapping (@msk-patterns/emulator) as Lambda would run it, the outcome as JSON.
 */
const SCENARIO = `
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createTopics, type MappingConfig, MappingRunner, readDeadLetters } from '@msk-patterns/emulator';
import { envelopeFor, type MskEvent } from '@msk-patterns/pipeline';
import type { Context } from 'aws-lambda';
import { Kafka, logLevel } from 'kafkajs';
import { calls, handler, orderPaid, TOPIC } from './consumer.js';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
const dynamodb = new DynamoDBClient({
  endpoint: process.env.DYNAMODB_ENDPOINT ?? 'http://127.0.0.1:8000',
  region: 'eu-west-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
for (const table of [process.env.IDEMPOTENCY_TABLE, process.env.POINTS_TABLE])
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: table === process.env.POINTS_TABLE ? 'orderId' : 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: table === process.env.POINTS_TABLE ? 'orderId' : 'id', KeyType: 'HASH' }],
    }),
  );
await createTopics(brokers, [TOPIC, TOPIC + '.dlq']);

/** What each invocation was given: its offsets. */
const delivered: number[][] = [];
const mapping: MappingConfig = {
  logicalId: 'LoyaltyMapping',
  functionKey: 'loyalty',
  handler: 'dist/consumer.handler',
  timeoutSeconds: 3,
  eventSourceArn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/local/00000000-0000-0000-0000-000000000000-1',
  topic: TOPIC,
  consumerGroupId: 'loyalty-' + TOPIC,
  startingPosition: 'TRIM_HORIZON',
  enabled: true,
  batchSize: 10,
  batchingWindowMs: 500,
  filterPatterns: [],
  maximumRetryAttempts: 1,
  maximumRecordAgeSeconds: 3600,
  bisectBatchOnFunctionError: false,
  reportBatchItemFailures: true,
  destinationTopic: TOPIC + '.dlq',
};
const runner = new MappingRunner(mapping, {
  brokers,
  log: () => {},
  handler: (event: MskEvent, context: Context) => {
    delivered.push(Object.values(event.records).flat().map((record) => record.offset));
    return handler(event, context);
  },
});
await runner.start();

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what + ': ' + JSON.stringify(runner.stats));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer();
await producer.connect();
const paid = (orderId: string, total: number) =>
  JSON.stringify(envelopeFor(orderPaid, { orderId, total }, { id: 'paid-' + orderId }));
await producer.send({
  topic: TOPIC,
  messages: [
    { partition: 0, key: 'order-a', value: paid('order-a', 1250) },
    { partition: 0, key: 'order-b', value: paid('order-b', 300) },
    { partition: 0, key: 'order-c', value: 'not json at all' },
    { partition: 0, key: 'unavailable-d', value: paid('unavailable-d', 100) },
  ],
});
// The mapping retries what the partial batch response hands back, then gives it to its destination.
await until(() => runner.stats.toDestination === 1, 'the failing record at the destination');
// The same message again (a producer's retry): the consumer has it already.
await producer.send({ topic: TOPIC, messages: [{ partition: 0, key: 'order-a', value: paid('order-a', 1250) }] });
await until(() => delivered.some((offsets) => offsets.includes(4)), 'the duplicate delivered');
await producer.disconnect();
await runner.stop();

const points = (await dynamodb.send(new ScanCommand({ TableName: process.env.POINTS_TABLE }))).Items;
const letters = (await readDeadLetters(brokers, { topics: [TOPIC + '.dlq'] })).map((letter) => ({
  condition: letter.condition,
  errorClass: letter.errorClass,
  functionName: letter.functionName,
  offset: letter.original?.offset,
  key: letter.original?.key,
}));
console.log(JSON.stringify({ delivered, calls, points, letters, stats: runner.stats }));
process.exit(0);
`;

let home: string;
let outcome: {
  delivered: number[][];
  calls: string[];
  points: Array<{ orderId: { S: string }; points: { N: string } }>;
  letters: Array<{
    condition: string;
    errorClass: string;
    functionName: string;
    offset: number;
    key: string;
  }>;
  stats: { invocations: number; retries: number; toDestination: number };
};

beforeAll(async () => {
  // Prepare: the tarball, a new project outside the repository that depends on it, its code compiled
  home = mkdtempSync(join(tmpdir(), 'outside-project-'));
  await run('npm', ['pack', '--workspaces', '--pack-destination', home], { cwd: repository });
  // The packages as tarballs, for each other too: nothing is fetched from a registry that has none of them.
  const tarballs = Object.fromEntries(
    PACKAGES.map((name) => {
      const file = readdirSync(home).find((candidate) =>
        candidate.startsWith(`${name.replace('@', '').replace('/', '-')}-`),
      );
      if (!file) throw new Error(`npm pack made no tarball of ${name}`);
      return [name, `file:./${file}`];
    }),
  );
  const versions = JSON.parse(readFileSync('package.json', 'utf8')) as {
    devDependencies: Record<string, string>;
    dependencies: Record<string, string>;
  };
  writeFileSync(
    join(home, 'package.json'),
    JSON.stringify({
      name: 'loyalty-service',
      private: true,
      type: 'module',
      dependencies: {
        ...tarballs,
        '@aws-sdk/client-dynamodb': versions.dependencies['@aws-sdk/client-dynamodb'],
        kafkajs: versions.dependencies.kafkajs,
        zod: versions.dependencies.zod,
      },
      devDependencies: {
        '@types/node': versions.devDependencies['@types/node'],
        typescript: versions.devDependencies.typescript,
      },
      overrides: tarballs,
    }),
  );
  writeFileSync(
    join(home, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        outDir: 'dist',
        rootDir: 'src',
        types: ['node'],
      },
      include: ['src'],
    }),
  );
  mkdirSync(join(home, 'src'));
  writeFileSync(join(home, 'src', 'consumer.ts'), CONSUMER);
  writeFileSync(join(home, 'src', 'scenario.ts'), SCENARIO);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: home,
    timeout: 240_000,
  });
  await run(process.execPath, [join(home, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', home], {
    cwd: home,
  });

  // Act: the team's scenario, in a plain Node process of that project
  const suffix = Math.random().toString(36).slice(2, 8);
  const { stdout } = await run(process.execPath, [join(home, 'dist', 'scenario.js')], {
    cwd: home,
    timeout: 90_000,
    env: {
      PATH: process.env.PATH,
      DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
      KAFKA_BROKERS: inject('kafkaBrokers').join(','),
      KAFKA_AUTH: 'none',
      AWS_REGION: 'eu-west-1',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      IDEMPOTENCY_TABLE: `loyalty-idempotency-${suffix}`,
      POINTS_TABLE: `loyalty-points-${suffix}`,
      LOYALTY_TOPIC: `loyalty.orders-${suffix}`,
    },
  });
  outcome = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
}, 360_000);

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('the packages installed from their tarballs into a project outside the repository', () => {
  it('processes a batch once: each order its points, written once', () => {
    expect(outcome.points.map((item) => [item.orderId.S, item.points.N]).sort()).toEqual([
      ['order-a', '12'],
      ['order-b', '3'],
    ]);
    expect(outcome.delivered[0]).toEqual([0, 1, 2, 3]);
  });

  it('commits a duplicate once: the same message again (a new offset) adds no points', () => {
    // The marker is keyed by the envelope id: the transaction of the second copy fails its marker
    // condition, so its writes are not applied (the handler may run; its effects do not).
    expect(outcome.delivered.at(-1)).toEqual([4]);
    expect(outcome.points.find((item) => item.orderId.S === 'order-a')?.points.N).toBe('12');
  });

  it('dead-letters the malformed record at once, with its reason, to the topic’s .dlq', () => {
    const malformed = outcome.letters.filter((letter) => letter.offset === 2);
    expect(malformed).toEqual([
      expect.objectContaining({
        key: 'order-c',
        functionName: 'loyalty',
        errorClass: expect.stringMatching(/Malformed|Contract/),
      }),
    ]);
  });

  it('honours the partial batch response: only the failing record is retried, then sent to the destination', () => {
    // Lambda retries from the lowest failed offset of the partition (MaximumRetryAttempts: 1), then
    // writes the record to the kafka:// on-failure destination.
    expect(outcome.delivered.slice(1, -1)).toEqual([[3]]);
    expect(outcome.stats).toMatchObject({ retries: 1, toDestination: 1 });
    expect(outcome.letters.filter((letter) => letter.offset === 3)).toEqual([
      expect.objectContaining({ key: 'unavailable-d', condition: expect.stringMatching(/Retr/) }),
    ]);
  });
});
