import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { containerContext, dynamoDbConfig, IdempotencyStore } from '@msk-patterns/pipeline';
import { afterAll } from 'vitest';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';

/**
 * The pipeline's real dependencies on DynamoDB Local and the local broker, for an integration test
 * file: a document client, the idempotency store, the deployed publisher, and the audit table for
 * the handlers' own writes. Closed once the file's tests are done.
 */
export function localPipeline() {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(dynamoDbConfig(process.env)));
  const store = new IdempotencyStore(documents, containerContext().tableName(TABLE_VARIABLES.idempotency));
  const publisher = containerContext().publisher;
  afterAll(async () => {
    documents.destroy();
    await publisher.disconnect();
  });
  return { documents, store, publisher, auditTable: containerContext().tableName(TABLE_VARIABLES.audit) };
}
