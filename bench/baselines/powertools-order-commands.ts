/**
 * The cold-start baseline of `npm run bench -- coldstart`: the orderCommands consumer built on
 * Powertools for AWS Lambda instead of our pipeline, around the same decider, store and publisher —
 * Powertools Kafka (deserialises each record, Parser's zod integration checks the envelope),
 * Idempotency (makeIdempotent, DynamoDB persistence layer) and Logger. Powertools Batch has no MSK
 * event type, so records are processed one by one and failures reported as batch item failures.
 * Bundled by the benchmark with serverless.yml's esbuild options; never deployed.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { kafkaConsumer, SchemaType } from '@aws-lambda-powertools/kafka';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { decideOrderCommand } from '../../functions/orders/decide-command.js';
import { type Envelope, envelopeSchema } from '../../lib/contracts/envelope.js';
import { contracts } from '../../lib/contracts/index.js';
import { ORDER_COMMANDS } from '../../lib/contracts/orders.js';
import type { MessageOf, ValidMessage } from '../../lib/contracts/registry.js';
import { getPublisher } from '../../lib/kafka/producer.js';
import { toOutgoingRecords } from '../../lib/pipeline/outbox.js';

const logger = new Logger({ serviceName: 'orderCommands-powertools' });
const client = new DynamoDBClient({});
const documents = DynamoDBDocumentClient.from(client);
const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: process.env.IDEMPOTENCY_TABLE ?? 'idempotency',
  awsSdkV3Client: client,
});

function isOrderCommand(message: ValidMessage): message is MessageOf<typeof ORDER_COMMANDS> {
  return ORDER_COMMANDS.some((contract) => contract === message.contract);
}

const processCommand = makeIdempotent(
  async (envelope: Envelope) => {
    const message = contracts.validate('orders.commands', JSON.stringify(envelope));
    if (!isOrderCommand(message)) throw new Error(`unhandled ${message.type}`);
    const decision = await decideOrderCommand(message, { attempt: 1 });
    if (decision.writes?.length)
      await documents.send(new TransactWriteCommand({ TransactItems: [...decision.writes] }));
    const outbox = toOutgoingRecords(message, decision.messages ?? []);
    await getPublisher().publish(outbox);
    return outbox.length;
  },
  { persistenceStore, config: new IdempotencyConfig({ eventKeyJmesPath: 'id' }) },
);

export const handler = kafkaConsumer<string, Envelope>(
  async (event) => {
    const batchItemFailures: Array<{ itemIdentifier: { partition: string; offset: number } }> = [];
    for (const record of event.records) {
      try {
        await processCommand(record.value);
      } catch (error) {
        logger.error('record failed', { error });
        batchItemFailures.push({
          itemIdentifier: { partition: `${record.topic}-${record.partition}`, offset: record.offset },
        });
      }
    }
    return { batchItemFailures };
  },
  { value: { type: SchemaType.JSON, parserSchema: envelopeSchema } },
);
