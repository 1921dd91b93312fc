/**
 * The cold-start baseline of `npm run bench -- coldstart`: each MSK function with our pipeline swapped
 * for Powertools for AWS Lambda. The benchmark bundles the function's own file with its import of
 * packages/pipeline/src/pipeline/consumer.js resolved to this module, so that the twin keeps the function's handler,
 * contracts, stores and publisher, and has Powertools where ours has the pipeline: Powertools Kafka
 * (deserialises each record, Parser's zod integration checks the envelope), Idempotency (makeIdempotent,
 * DynamoDB persistence layer) and Logger. Powertools Batch has no MSK event type, so records are
 * processed one by one and failures reported as batch item failures. Bundled and timed, never deployed.
 */

import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { kafkaConsumer, SchemaType } from '@aws-lambda-powertools/kafka';
import type { ConsumerRecord } from '@aws-lambda-powertools/kafka/types';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ConsumerOptions,
  containerContext,
  type DecodedRecord,
  type Envelope,
  envelopeSchema,
  type MessageContract,
  type MessageOf,
  processingSpan,
  toOutgoingRecords,
  type ValidMessage,
} from '@msk-patterns/pipeline';
import type { Context } from 'aws-lambda';
import { contracts } from '../../lib/contracts/index.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';

/** Our handlers' view of a record, from what Powertools Kafka hands over. */
function decodedRecord(record: ConsumerRecord<string, Envelope>): DecodedRecord {
  const keyBytes = record.originalKey === undefined ? undefined : Buffer.from(record.originalKey, 'base64');
  const headerBytes = (record.originalHeaders ?? []).flatMap((header) =>
    Object.entries(header).map(([name, bytes]) => ({ name, value: Buffer.from(bytes) })),
  );
  return {
    partitionKey: `${record.topic}-${record.partition}`,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestampType,
    keyBytes,
    key: keyBytes?.toString('utf8'),
    value: Buffer.from(record.originalValue, 'base64'),
    headerBytes,
    headers: Object.fromEntries(headerBytes.map(({ name, value }) => [name, value.toString('utf8')])),
    raw: record,
  };
}

/** The same signature as packages/pipeline/src/pipeline/consumer.ts' `consumer`, built on Powertools. */
export function consumer<const TContracts extends readonly MessageContract[]>(
  options: ConsumerOptions<TContracts>,
) {
  const logger = new Logger({ serviceName: `${options.name}-powertools` });
  const accepted = (message: ValidMessage): message is MessageOf<TContracts> =>
    options.accepts.some((contract) => contract === message.contract);

  /**
   * Built on the first record, not at module init: our pipeline builds its store on the first
   * invocation too, so `init_ms` compares the same work (issue 28: built at init, the clients and the
   * persistence layer cost the twin about 3.7 ms, more than the gap the bench reported).
   */
  let processRecord: ReturnType<typeof idempotentRecordProcessor> | undefined;
  function idempotentRecordProcessor() {
    const client = new DynamoDBClient({});
    const documents = DynamoDBDocumentClient.from(client);
    const persistenceStore = new DynamoDBPersistenceLayer({
      tableName: process.env[TABLE_VARIABLES.idempotency] ?? 'idempotency',
      awsSdkV3Client: client,
    });
    return makeIdempotent(
      async (envelope: Envelope, record: ConsumerRecord<string, Envelope>, lambda: Context) => {
        const message = contracts.validate(record.topic, JSON.stringify(envelope));
        if (!accepted(message)) throw new Error(`unhandled ${message.type}`);
        const decision = await options.handle(message, {
          record: decodedRecord(record),
          lambda,
          idempotencyKey: envelope.id,
          attempt: 1,
          service: containerContext(),
          // The twin carries no trace context in: a trace derived from the message id, as ours does then.
          span: () => processingSpan(undefined, options.name, envelope.id),
        });
        if (decision.writes?.length)
          await documents.send(new TransactWriteCommand({ TransactItems: [...decision.writes] }));
        const outbox = toOutgoingRecords(message, decision.messages ?? []);
        await containerContext().publisher.publish(outbox);
        return outbox.length;
      },
      { persistenceStore, dataIndexArgument: 0, config: new IdempotencyConfig({ eventKeyJmesPath: 'id' }) },
    );
  }

  return kafkaConsumer<string, Envelope>(
    async (event, context) => {
      const batchItemFailures: Array<{ itemIdentifier: { partition: string; offset: number } }> = [];
      for (const record of event.records) {
        try {
          processRecord ??= idempotentRecordProcessor();
          await processRecord(record.value, record, context);
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
}
