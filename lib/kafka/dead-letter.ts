import type { Context } from 'aws-lambda';
import { deadLetterTopic } from '../contracts/topics.js';
import type { OutgoingRecord } from './producer.js';
import type { MskEvent } from './types.js';

/** Headers on a dead-letter record written by the function itself (Lambda's own destination sets none). */
export const DEAD_LETTER_HEADERS = {
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  errorClass: 'dlq-error-class',
  errorMessage: 'dlq-error-message',
  functionName: 'dlq-function',
} as const;

/** Why a record is dead-lettered by the function: a permanent error, decided without retrying. */
export const FUNCTION_DEAD_LETTER_CONDITION = 'PermanentError';

export interface DeadLetterInput {
  event: Pick<MskEvent, 'eventSource' | 'eventSourceArn' | 'bootstrapServers'>;
  context: Pick<Context, 'awsRequestId' | 'invokedFunctionArn' | 'functionName'>;
  partitionKey: string;
  topic: string;
  partition?: number | undefined;
  offset?: number | undefined;
  timestamp?: number | undefined;
  /** the original key's bytes: the dead letter is keyed exactly like the record */
  key: Buffer | string | null;
  /** the record exactly as it was in the event */
  raw: unknown;
  batchSize: number;
  error: Error;
}

function isoTimestamp(epochMs: number | undefined): string {
  return new Date(Number.isFinite(epochMs) ? (epochMs as number) : Date.now()).toISOString();
}

/** How a record came to be dead-lettered, as Lambda's `requestContext` / `responseContext` say it (docs/aws-behaviours.md, "Error handling"). */
export interface FailureContext {
  condition: string;
  approximateInvokeCount: number;
  functionError: 'Handled' | 'Unhandled';
  /** not part of Lambda's format: the reason our own dead letters carry */
  error?: Error | undefined;
}

/** The JSON value Lambda writes for one failed record to a `kafka://` on-failure destination (docs/aws-behaviours.md, "Error handling"). */
export function destinationValue(input: Omit<DeadLetterInput, 'error'>, failure: FailureContext): string {
  const value = {
    requestContext: {
      requestId: input.context.awsRequestId,
      functionArn: input.context.invokedFunctionArn,
      condition: failure.condition,
      approximateInvokeCount: failure.approximateInvokeCount,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: failure.functionError },
    version: '1.0',
    timestamp: new Date().toISOString(),
    KafkaBatchInfo: {
      batchSize: input.batchSize,
      eventSourceArn: input.event.eventSourceArn,
      bootstrapServers: input.event.bootstrapServers,
      payloadSize: Buffer.byteLength(JSON.stringify(input.raw) ?? ''),
      recordInfo: { offset: String(input.offset ?? ''), timestamp: isoTimestamp(input.timestamp) },
    },
    payload: {
      eventSource: input.event.eventSource,
      eventSourceArn: input.event.eventSourceArn,
      bootstrapServers: input.event.bootstrapServers,
      records: { [input.partitionKey]: [input.raw] },
    },
    ...(failure.error
      ? { errorInfo: { errorType: failure.error.name, errorMessage: failure.error.message } }
      : {}),
  };
  return JSON.stringify(value);
}

/**
 * A dead-letter record written by the function itself for a permanent error: the value in the format
 * Lambda writes to a `kafka://` on-failure destination (docs/aws-behaviours.md, "Error handling"), keyed like the
 * original, with headers that say where it came from and why it failed — so one tool reads both
 * Lambda's and our dead letters.
 */
export function deadLetterRecord(input: DeadLetterInput): OutgoingRecord {
  return {
    topic: deadLetterTopic(input.topic),
    key: input.key,
    value: destinationValue(input, {
      condition: FUNCTION_DEAD_LETTER_CONDITION,
      approximateInvokeCount: 1,
      functionError: 'Handled',
      error: input.error,
    }),
    headers: {
      [DEAD_LETTER_HEADERS.sourceTopic]: input.topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: String(input.partition ?? ''),
      [DEAD_LETTER_HEADERS.sourceOffset]: String(input.offset ?? ''),
      [DEAD_LETTER_HEADERS.errorClass]: input.error.name,
      [DEAD_LETTER_HEADERS.errorMessage]: input.error.message.slice(0, 1000),
      [DEAD_LETTER_HEADERS.functionName]: input.context.functionName,
    },
  };
}
