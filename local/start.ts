/**
 * `npm start`: local infrastructure, the functions fed from the local broker, and a demo.
 * `npm start -- --once` runs the demo, prints a `summary` line and exits (0 only when nothing was lost).
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Kafka, logLevel } from 'kafkajs';
import { type AuditResult, handler as auditHandler } from '../functions/audit/handler.js';
import { localDynamoDbClient } from './infra/dynamodb-local.js';
import { InfrastructureError } from './infra/errors.js';
import { type Infrastructure, startInfrastructure } from './infra/index.js';
import { lambdaContext } from './runner/lambda-context.js';
import { runSlice, type SliceInvocation } from './runner/slice.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const once = process.argv.includes('--once');
const DEMO_ORDERS = 3;

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
}

async function main(): Promise<number> {
  let infrastructure: Infrastructure | undefined;
  const stops: Array<() => Promise<unknown>> = [];
  const shutdown = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await infrastructure?.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void shutdown().then(() => process.exit(130));
    });
  }

  try {
    infrastructure = await startInfrastructure();
  } catch (error) {
    await shutdown();
    throw error;
  }
  const { timings } = infrastructure;
  log(
    `infrastructure up in ${timings.total} ms (DynamoDB Local ${timings.dynamodb} ms, Kafka ${timings.kafka} ms, tables ${timings.tables} ms)`,
  );
  log(`DynamoDB ${infrastructure.dynamodbEndpoint}  Kafka ${infrastructure.kafkaBrokers.join(',')}`);
  log(`tables: ${infrastructure.tables.join(', ')}`);
  log(
    `to invoke a function against it: DYNAMODB_ENDPOINT=${infrastructure.dynamodbEndpoint} npx serverless invoke local -f audit -p events/audit.json`,
  );
  Object.assign(process.env, infrastructure.functionEnvironment);

  const counts = { in: 0, written: 0, duplicates: 0 };
  let lastInvocation: SliceInvocation | undefined;
  const auditFunction = infrastructure.config.functions.audit;
  const consumer = await runSlice({
    brokers: infrastructure.kafkaBrokers,
    topic: 'orders.commands',
    groupId: 'kafka-patterns-local-audit',
    functionName: 'audit',
    timeoutSeconds: auditFunction?.timeout ?? Number(infrastructure.config.provider.timeout ?? 60),
    handler: auditHandler,
    onInvocation: (invocation) => {
      lastInvocation = invocation;
      const { partitionKey, firstOffset, lastOffset, durationMs } = invocation;
      const { written, duplicates } = invocation.result as AuditResult;
      counts.in += lastOffset - firstOffset + 1;
      counts.written += written;
      counts.duplicates += duplicates;
      log(
        `audit ← ${partitionKey} offsets ${firstOffset}..${lastOffset}: written=${written} duplicates=${duplicates} (${durationMs} ms)`,
      );
    },
  });
  stops.push(() => consumer.disconnect());

  const producer = new Kafka({ brokers: infrastructure.kafkaBrokers, logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  stops.push(() => producer.disconnect());
  const runId = randomUUID().slice(0, 8);
  const orderIds = Array.from({ length: DEMO_ORDERS }, (_, index) => `order-${runId}-${index + 1}`);
  await producer.send({
    topic: 'orders.commands',
    acks: -1,
    messages: orderIds.map((orderId) => ({
      key: orderId,
      value: JSON.stringify({ type: 'PlaceOrder', orderId }),
      headers: { 'x-source': 'npm start' },
    })),
  });
  log(`produced ${orderIds.length} PlaceOrder commands to orders.commands`);

  // Every produced command must end up exactly once in the audit table.
  const client = DynamoDBDocumentClient.from(localDynamoDbClient(infrastructure.dynamodbEndpoint));
  stops.push(async () => client.destroy());
  const audited = async (): Promise<number> => {
    const { Items = [] } = await client.send(
      new ScanCommand({
        TableName: process.env.AUDIT_TABLE,
        FilterExpression: 'contains(#value, :runId)',
        ExpressionAttributeNames: { '#value': 'value' },
        ExpressionAttributeValues: { ':runId': runId },
      }),
    );
    return new Set(Items.map((item) => item.key)).size;
  };
  const deadline = Date.now() + 30_000;
  let found = 0;
  while (Date.now() < deadline && (found = await audited()) < orderIds.length) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  log(`audit table holds ${found}/${orderIds.length} of this run's commands`);

  // At-least-once delivery: the same batch may come again. Show that it changes nothing.
  if (lastInvocation) {
    const replay = (await auditHandler(lastInvocation.event, lambdaContext('audit', 60))) as AuditResult;
    counts.duplicates += replay.duplicates;
    log(
      `redelivered ${lastInvocation.partitionKey} offsets ${lastInvocation.firstOffset}..${lastInvocation.lastOffset}: written=${replay.written} duplicates=${replay.duplicates}`,
    );
  }
  const lost = orderIds.length - found;
  const doubled = (await audited()) - found;
  if (once) {
    await shutdown();
    process.stdout.write(
      `summary produced=${orderIds.length} in=${counts.in} written=${counts.written} duplicates=${counts.duplicates} doubled=${doubled} lost=${lost}\n`,
    );
    return lost === 0 && doubled === 0 ? 0 : 1;
  }
  log('running; produce to orders.commands to see the audit function work. Ctrl-C stops everything.');
  return new Promise<number>(() => {});
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof InfrastructureError ? error.message : error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
