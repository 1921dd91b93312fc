import { createHash } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { deadLetterTopic } from '../contracts/topics.js';
import type { OutgoingRecord } from './producer.js';
import { batchBudget, recordBytes } from './record-size.js';
import type { MskEvent } from './types.js';

/** Headers on a dead-letter record written by the function itself (Lambda's own destination sets none). */
export const DEAD_LETTER_HEADERS = {
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  errorClass: 'dlq-error-class',
  errorMessage: 'dlq-error-message',
  functionName: 'dlq-function',
  /** set when the source record's value was left out to fit the dead-letter topic: `<bytes> sha256:<hex>` */
  payloadOmitted: 'dlq-payload-omitted',
} as const;

/** Error messages are cut to this length in a dead letter (a zod explanation of a huge value can be huge). */
const ERROR_MESSAGE_CHARS = 4000;

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

/**
 * The JSON value Lambda writes for one failed record to a `kafka://` on-failure destination (docs/aws-behaviours.md, "Error handling").
 *
 * @param input - the record and the invocation
 * @param failure - the condition and the attempts, as Lambda records them
 * @example
 * ```ts
 * destinationValue(input, { condition: 'RetriesExhausted', approximateInvokeCount: 3, functionError: 'Handled' });
 * // the JSON body Lambda writes to a kafka:// on-failure destination
 * ```
 */
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
      ? {
          errorInfo: {
            errorType: failure.error.name,
            errorMessage: failure.error.message.slice(0, ERROR_MESSAGE_CHARS),
          },
        }
      : {}),
  };
  return JSON.stringify(value);
}

/**
 * The source record with its value left out, when the letter would not fit the dead-letter topic:
 * everything else of the record is kept (topic, partition, offset, key, headers), and the value's size
 * and SHA-256 say what it was. Not a record Lambda would write: such a letter cannot be redriven.
 */
function withoutValue(raw: unknown): { raw: unknown; omitted: string } {
  const value = typeof raw === 'object' && raw !== null && 'value' in raw ? raw.value : raw;
  const bytes =
    typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.from(JSON.stringify(value) ?? '');
  const omitted = `${bytes.length} sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { raw: null, omitted };
  return { raw: { ...Object.fromEntries(Object.entries(raw)), value: null }, omitted };
}

/**
 * A dead-letter record written by the function itself for a permanent error: the value in the format
 * Lambda writes to a `kafka://` on-failure destination (docs/aws-behaviours.md, "Error handling"), keyed like the
 * original, with headers that say where it came from and why it failed — so one tool reads both
 * Lambda's and our dead letters. A letter never exceeds its topic's `max.message.bytes`: when the
 * source record's value would not fit, it is left out, its size and hash kept, and the letter says so
 * (`dlq-payload-omitted`).
 *
 * @param input - the record, where it came from, the invocation and the error
 * @example
 * ```ts
 * const letter = deadLetterRecord({ event, context, partitionKey: 'orders.commands-0', topic: 'orders.commands',
 *   partition: 0, offset: 42, key: record.keyBytes ?? null, raw: record.raw, batchSize: 1, error });
 * await publisher.publish([letter]); // to orders.commands.dlq, keyed like the record, in Lambda's format
 * ```
 */
export function deadLetterRecord(input: DeadLetterInput): OutgoingRecord {
  const topic = deadLetterTopic(input.topic);
  const letter = (raw: unknown, omitted?: string): OutgoingRecord => ({
    topic,
    key: input.key,
    value: destinationValue(
      { ...input, raw },
      {
        condition: FUNCTION_DEAD_LETTER_CONDITION,
        approximateInvokeCount: 1,
        functionError: 'Handled',
        error: input.error,
      },
    ),
    headers: {
      [DEAD_LETTER_HEADERS.sourceTopic]: input.topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: String(input.partition ?? ''),
      [DEAD_LETTER_HEADERS.sourceOffset]: String(input.offset ?? ''),
      [DEAD_LETTER_HEADERS.errorClass]: input.error.name,
      [DEAD_LETTER_HEADERS.errorMessage]: input.error.message.slice(0, 1000),
      [DEAD_LETTER_HEADERS.functionName]: input.context.functionName,
      ...(omitted ? { [DEAD_LETTER_HEADERS.payloadOmitted]: omitted } : {}),
    },
  });
  const whole = letter(input.raw);
  if (recordBytes(whole) <= batchBudget(topic)) return whole;
  const { raw, omitted } = withoutValue(input.raw);
  const lighter = letter(raw, omitted);
  // Still too large (a key or headers of most of a megabyte): the letter keeps only the metadata.
  return recordBytes(lighter) <= batchBudget(topic) ? lighter : letter(null, omitted);
}
