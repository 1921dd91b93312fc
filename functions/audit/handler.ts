import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { decodeMskEvent } from '../../lib/kafka/codec.js';
import type { DecodedRecord } from '../../lib/kafka/types.js';
import { getDocumentClient, tableName } from '../../lib/store/dynamodb.js';

/** What one invocation did; returned so that `serverless invoke local` shows it. */
export interface AuditResult {
  written: number;
  duplicates: number;
  batchItemFailures: [];
}

/** A record is identified by its Kafka coordinates: a redelivery of it has the same id. */
export function auditRecordId(record: Pick<DecodedRecord, 'topic' | 'partition' | 'offset'>): string {
  return `${record.topic}:${record.partition}:${record.offset}`;
}

async function writeOnce(table: string, record: DecodedRecord): Promise<'written' | 'duplicate'> {
  try {
    await getDocumentClient().send(
      new PutCommand({
        TableName: table,
        Item: {
          recordId: auditRecordId(record),
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          key: record.key,
          value: record.value?.toString('utf8'),
          headers: record.headers,
          timestamp: record.timestamp,
        },
        ConditionExpression: 'attribute_not_exists(recordId)',
      }),
    );
    return 'written';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'duplicate';
    throw error;
  }
}

/**
 * Audit trail of every order command: each record is written once to the audit table, keyed by its
 * topic, partition and offset. A redelivered record fails the condition and changes nothing.
 */
async function auditHandler(event: unknown, _context: Context): Promise<AuditResult> {
  const table = tableName('AUDIT_TABLE');
  const { records, malformed } = decodeMskEvent(event);
  if (malformed[0]) throw malformed[0].error;
  const outcomes = await Promise.all(records.map((record) => writeOnce(table, record)));
  const written = outcomes.filter((outcome) => outcome === 'written').length;
  return { written, duplicates: outcomes.length - written, batchItemFailures: [] };
}

export const handler = middy<unknown, AuditResult>().handler(auditHandler);
