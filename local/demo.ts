import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Kafka, logLevel } from 'kafkajs';
import { envelopeHeaders } from '../lib/contracts/envelope.js';
import { envelopeFor } from '../lib/contracts/examples.js';
import { placeOrderV1 } from '../lib/contracts/orders.js';
import { deadLetterTopic } from '../lib/contracts/topics.js';
import { DEAD_LETTER_HEADERS } from '../lib/kafka/dead-letter.js';
import { localDynamoDbClient } from './infra/dynamodb-local.js';

export const DEMO_ORDERS = 3;

export interface DemoResult {
  produced: number;
  audited: number;
  /** orders visible as placed through the query API (event store → orders.events → projector → view) */
  viewed: number;
  deadLettered: number;
  doubled: number;
  lost: number;
}

/**
 * The demo of what exists today: PlaceOrder commands, one of them sent twice (a producer retry) and
 * one poison message, through the emulated mapping into the audit function. Every valid command must
 * be audited exactly once and the poison message must reach the dead-letter topic with its reason.
 */
export async function runDemo(options: {
  brokers: string[];
  dynamodbEndpoint: string;
  auditTable: string;
  apiUrl: string;
  log: (line: string) => void;
}): Promise<DemoResult> {
  const kafka = new Kafka({ brokers: options.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ maxInFlightRequests: 1 });
  const documents = DynamoDBDocumentClient.from(localDynamoDbClient(options.dynamodbEndpoint));
  const runId = randomUUID();
  const dlqWatcher = kafka.consumer({
    groupId: `demo-dlq-${runId}`,
    sessionTimeout: 6000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 100,
  });
  try {
    await producer.connect();
    const commands = Array.from({ length: DEMO_ORDERS }, (_, index) =>
      envelopeFor(
        placeOrderV1,
        {
          orderId: `order-${runId.slice(0, 8)}-${index + 1}`,
          customerId: 'customer-demo',
          currency: 'EUR',
          items: [{ sku: 'sku-espresso', quantity: index + 1, unitPrice: 1250 }],
        },
        { id: randomUUID(), correlationId: runId, occurredAt: new Date().toISOString() },
      ),
    );
    const poison = `{"type":"PlaceOrder","correlationId":"${runId}","note":"not an envelope"}`;
    const asMessage = (command: (typeof commands)[number]) => ({
      key: command.data.orderId,
      value: JSON.stringify(command),
      headers: envelopeHeaders(command),
    });
    await producer.send({
      topic: 'orders.commands',
      acks: -1,
      messages: [
        ...commands.map(asMessage),
        asMessage(commands[0] as (typeof commands)[number]),
        { key: `poison-${runId.slice(0, 8)}`, value: poison },
      ],
    });
    options.log(
      `demo: produced ${commands.length} PlaceOrder commands, the first one twice, and 1 poison message`,
    );

    const deadLettered = new Set<string>();
    await dlqWatcher.connect();
    await dlqWatcher.subscribe({ topic: deadLetterTopic('orders.commands'), fromBeginning: true });
    await dlqWatcher.run({
      eachMessage: async ({ message }) => {
        if (!message.value?.toString().includes(Buffer.from(poison).toString('base64'))) return;
        const header = (name: string) => message.headers?.[name]?.toString();
        deadLettered.add(
          `${header(DEAD_LETTER_HEADERS.sourcePartition)}:${header(DEAD_LETTER_HEADERS.sourceOffset)}`,
        );
        options.log(
          `demo: dead-lettered ${header(DEAD_LETTER_HEADERS.errorClass)}: ${header(DEAD_LETTER_HEADERS.errorMessage)}`,
        );
      },
    });

    const audited = async () => {
      const { Items = [] } = await documents.send(
        new ScanCommand({
          TableName: options.auditTable,
          FilterExpression: 'correlationId = :runId',
          ExpressionAttributeValues: { ':runId': runId },
        }),
      );
      return Items.length;
    };
    const deadline = Date.now() + 60_000;
    let rows = 0;
    while (Date.now() < deadline && ((rows = await audited()) < commands.length || deadLettered.size < 1)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // CQRS: each order must reach its view through the event store, orders.events and the projector.
    const viewed = async () => {
      const statuses = await Promise.all(
        commands.map(async (command) => {
          const response = await fetch(`${options.apiUrl}/orders/${command.data.orderId}`);
          return response.ok ? ((await response.json()) as { status: string }).status : undefined;
        }),
      );
      return statuses.filter((status) => status === 'placed').length;
    };
    let views = 0;
    while (Date.now() < deadline && (views = await viewed()) < commands.length) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    options.log(
      `demo: ${views}/${commands.length} orders visible through the query API, e.g. GET ${options.apiUrl}/orders/${commands[0]?.data.orderId}`,
    );
    // Let a late duplicate land before counting, so that a doubled effect would show.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // The command sent twice must have produced one event in its stream, not two.
    const twice = commands[0]?.data.orderId;
    const history = await fetch(`${options.apiUrl}/orders/${twice}/events`);
    const streamEvents = history.ok ? ((await history.json()) as { events: unknown[] }).events.length : 0;
    options.log(`demo: the order placed twice has ${streamEvents} event(s) in its stream`);
    rows = await audited();
    options.log(
      `demo: audit table holds ${rows} rows for ${commands.length} commands; ${deadLettered.size}/1 poison message dead-lettered`,
    );
    return {
      produced: commands.length + 2,
      audited: rows,
      viewed: views,
      deadLettered: deadLettered.size,
      doubled: Math.max(0, rows - commands.length) + Math.max(0, streamEvents - 1),
      lost:
        Math.max(0, commands.length - rows) +
        Math.max(0, commands.length - views) +
        (1 - Math.min(1, deadLettered.size)),
    };
  } finally {
    await dlqWatcher.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    documents.destroy();
  }
}
