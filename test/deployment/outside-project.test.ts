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

/**
 * The pipeline package as another team gets it: packed with `npm pack`, installed from the tarball into
 * a new project in a temporary folder outside the repository, and used there through its entry point
 * by a consumer of that team's own contract, table and topic — written in TypeScript, compiled with
 * that project's own compiler settings (strict, NodeNext), run by plain Node on DynamoDB Local and
 * the broker. Nothing of the repository is on that project's module path.
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
  topics: [TOPIC],
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
          Put: {
            TableName: process.env.POINTS_TABLE ?? 'points',
            Item: { orderId: message.data.orderId, points: Math.floor(message.data.total / 100) },
          },
        },
      ],
    };
  },
});
`;

/** The team's own script: its table, topic and events, the consumer invoked as Lambda would, the outcome as JSON. */
const SCENARIO = `
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { encodeMskEvent, envelopeFor, type MskEvent } from '@msk-patterns/pipeline';
import type { Context } from 'aws-lambda';
import { Kafka, logLevel } from 'kafkajs';
import { calls, handler, orderPaid, TOPIC } from './consumer.js';

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
const kafka = new Kafka({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: TOPIC }, { topic: TOPIC + '.dlq' }], waitForLeaders: true });
await admin.disconnect();

const paid = (orderId: string, total: number) =>
  JSON.stringify(envelopeFor(orderPaid, { orderId, total }, { id: 'paid-' + orderId }));
const event: MskEvent = encodeMskEvent([
  { topic: TOPIC, partition: 0, offset: 0, key: 'order-a', value: paid('order-a', 1250) },
  { topic: TOPIC, partition: 0, offset: 1, key: 'order-b', value: paid('order-b', 300) },
  { topic: TOPIC, partition: 0, offset: 2, key: 'order-c', value: 'not json at all' },
  { topic: TOPIC, partition: 0, offset: 3, key: 'unavailable-d', value: paid('unavailable-d', 100) },
]);
const context = (): Context => {
  const deadline = Date.now() + 3_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'loyalty',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:loyalty',
    memoryLimitInMB: '512',
    awsRequestId: String(Math.random()),
    logGroupName: '/aws/lambda/loyalty',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
};

const first = await handler(event, context());
const callsAfterFirst = [...calls];
const second = await handler(event, context());
const points = (await dynamodb.send(new ScanCommand({ TableName: process.env.POINTS_TABLE }))).Items;

const letters: Array<{ key: string | undefined; headers: Record<string, string> }> = [];
const reader = kafka.consumer({ groupId: 'loyalty-test-' + Date.now() });
await reader.connect();
await reader.subscribe({ topic: TOPIC + '.dlq', fromBeginning: true });
await new Promise<void>((done) => {
  void reader.run({
    eachMessage: async ({ message }) => {
      letters.push({
        key: message.key?.toString(),
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)])),
      });
      done();
    },
  });
});
await reader.disconnect();
console.log(JSON.stringify({ first, second, callsAfterFirst, calls, points, letters }));
process.exit(0);
`;

let home: string;
let outcome: {
  first: { batchItemFailures: Array<{ itemIdentifier: { partition: string; offset: number } }> };
  second: { batchItemFailures: Array<{ itemIdentifier: { partition: string; offset: number } }> };
  callsAfterFirst: string[];
  calls: string[];
  points: Array<{ orderId: { S: string }; points: { N: string } }>;
  letters: Array<{ key: string | undefined; headers: Record<string, string> }>;
};

beforeAll(async () => {
  // Prepare: the tarball, a new project outside the repository that depends on it, its code compiled
  home = mkdtempSync(join(tmpdir(), 'outside-project-'));
  await run('npm', ['pack', '--workspace', '@msk-patterns/pipeline', '--pack-destination', home], {
    cwd: repository,
  });
  const tarball = readdirSync(home).find((file) => file.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack made no tarball');
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
        '@msk-patterns/pipeline': `file:./${tarball}`,
        '@aws-sdk/client-dynamodb': versions.dependencies['@aws-sdk/client-dynamodb'],
        kafkajs: versions.dependencies.kafkajs,
        zod: versions.dependencies.zod,
      },
      devDependencies: {
        '@types/node': versions.devDependencies['@types/node'],
        typescript: versions.devDependencies.typescript,
      },
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

describe('@msk-patterns/pipeline installed from its tarball into a project outside the repository', () => {
  it('processes a batch once: each order its points, written once', () => {
    expect(outcome.points.map((item) => [item.orderId.S, item.points.N]).sort()).toEqual([
      ['order-a', '12'],
      ['order-b', '3'],
    ]);
    expect(outcome.callsAfterFirst.filter((orderId) => orderId.startsWith('order-')).sort()).toEqual([
      'order-a',
      'order-b',
    ]);
  });

  it('skips the duplicates of a redelivered batch: the handler is not called for them again', () => {
    expect(outcome.calls.filter((orderId) => orderId.startsWith('order-')).sort()).toEqual([
      'order-a',
      'order-b',
    ]);
  });

  it('dead-letters the malformed record once, with its reason, to the topic’s .dlq', () => {
    expect(outcome.letters).toHaveLength(1);
    expect(outcome.letters[0]?.key).toBe('order-c');
    expect(outcome.letters[0]?.headers).toMatchObject({
      'dlq-source-offset': '2',
      'dlq-function': 'loyalty',
      'dlq-error-class': expect.stringMatching(/Malformed|Contract/),
    });
  });

  it('answers with a partial batch response: only the record that keeps failing is handed back', () => {
    expect(outcome.first.batchItemFailures).toEqual([
      { itemIdentifier: { partition: expect.any(String), offset: 3 } },
    ]);
    expect(outcome.second.batchItemFailures).toEqual(outcome.first.batchItemFailures);
    expect(outcome.calls.filter((orderId) => orderId.startsWith('unavailable')).length).toBeGreaterThan(1);
  });
});
