/**
 * `npm start`: local infrastructure, the functions fed from the local broker, and a demo.
 * `npm start -- --once` runs the demo, prints a `summary` line and exits (0 only when nothing was lost).
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Kafka, logLevel } from 'kafkajs';
import { envelopeHeaders } from '../lib/contracts/envelope.js';
import { envelopeFor } from '../lib/contracts/examples.js';
import { placeOrderV1 } from '../lib/contracts/orders.js';
import { deadLetterTopic } from '../lib/contracts/topics.js';
import type { KafkaBatchResponse } from '../lib/pipeline/types.js';
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
    `to invoke a function against it: DYNAMODB_ENDPOINT=${infrastructure.dynamodbEndpoint} KAFKA_BROKERS=${infrastructure.kafkaBrokers.join(',')} KAFKA_AUTH=none KAFKA_IDEMPOTENT=false npx serverless invoke local -f audit -p events/audit.json`,
  );
  Object.assign(process.env, infrastructure.functionEnvironment);
  // Imported only now: Powertools reads its log level and metrics switches when the module loads.
  const { handler: auditHandler } = await import('../functions/audit/handler.js');

  const counts = { invocations: 0, in: 0, failures: 0 };
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
      const failures = (invocation.result as KafkaBatchResponse).batchItemFailures.length;
      counts.invocations++;
      counts.in += lastOffset - firstOffset + 1;
      counts.failures += failures;
      log(
        `audit ← ${partitionKey} offsets ${firstOffset}..${lastOffset}: batchItemFailures=${failures} (${durationMs} ms)`,
      );
    },
  });
  stops.push(() => consumer.disconnect());

  const kafka = new Kafka({ brokers: infrastructure.kafkaBrokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  stops.push(() => producer.disconnect());
  const runId = randomUUID();
  const commands = Array.from({ length: DEMO_ORDERS }, (_, index) => {
    const orderId = `order-${runId.slice(0, 8)}-${index + 1}`;
    return envelopeFor(
      placeOrderV1,
      {
        orderId,
        customerId: 'customer-demo',
        currency: 'EUR',
        items: [{ sku: 'sku-espresso', quantity: index + 1, unitPrice: 1250 }],
      },
      { id: randomUUID(), correlationId: runId, occurredAt: new Date().toISOString() },
    );
  });
  const poison = `{"type":"PlaceOrder","correlationId":"${runId}","note":"not an envelope"}`;
  await producer.send({
    topic: 'orders.commands',
    acks: -1,
    messages: [
      ...commands.map((command) => ({
        key: (command.data as { orderId: string }).orderId,
        value: JSON.stringify(command),
        headers: envelopeHeaders(command),
      })),
      { key: `poison-${runId.slice(0, 8)}`, value: poison },
    ],
  });
  log(`produced ${commands.length} PlaceOrder commands and 1 poison message to orders.commands`);

  // Every valid command must end up exactly once in the audit table, the poison message on the DLQ.
  const client = DynamoDBDocumentClient.from(localDynamoDbClient(infrastructure.dynamodbEndpoint));
  stops.push(async () => client.destroy());
  const audited = async (): Promise<number> => {
    const { Items = [] } = await client.send(
      new ScanCommand({
        TableName: process.env.AUDIT_TABLE,
        FilterExpression: 'correlationId = :runId',
        ExpressionAttributeValues: { ':runId': runId },
      }),
    );
    return Items.length;
  };
  const deadLettered = new Set<string>();
  const dlqConsumer = kafka.consumer({
    groupId: `local-dlq-watch-${runId}`,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
  });
  await dlqConsumer.connect();
  stops.push(() => dlqConsumer.disconnect());
  await dlqConsumer.subscribe({ topic: deadLetterTopic('orders.commands'), fromBeginning: true });
  await dlqConsumer.run({
    eachMessage: async ({ message }) => {
      const value = message.value?.toString() ?? '';
      if (!value.includes(Buffer.from(poison).toString('base64'))) return;
      deadLettered.add(
        `${message.headers?.['dlq-source-partition']}:${message.headers?.['dlq-source-offset']}`,
      );
      log(
        `dead-lettered: ${message.headers?.['dlq-error-class']}: ${message.headers?.['dlq-error-message']}`,
      );
    },
  });
  const deadline = Date.now() + 30_000;
  let found = 0;
  while (Date.now() < deadline && ((found = await audited()) < commands.length || deadLettered.size < 1)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  log(
    `audit table holds ${found}/${commands.length} of this run's commands; ${deadLettered.size}/1 poison message dead-lettered`,
  );

  // At-least-once delivery: the same batch may come again. Show that it changes nothing.
  if (lastInvocation) {
    const replay = (await auditHandler(
      lastInvocation.event,
      lambdaContext('audit', 60),
    )) as KafkaBatchResponse;
    log(
      `redelivered ${lastInvocation.partitionKey} offsets ${lastInvocation.firstOffset}..${lastInvocation.lastOffset}: batchItemFailures=${replay.batchItemFailures.length}`,
    );
  }
  const total = await audited();
  const doubled = total - found;
  const lost = commands.length - Math.min(found, commands.length) + (1 - Math.min(deadLettered.size, 1));
  if (once) {
    await shutdown();
    process.stdout.write(
      `summary produced=${commands.length + 1} in=${counts.in} audited=${total} dead_lettered=${deadLettered.size} failed=${counts.failures} doubled=${doubled} lost=${lost}\n`,
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
