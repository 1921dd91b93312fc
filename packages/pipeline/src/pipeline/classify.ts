import { PermanentError, TransientError } from '../common/errors.js';

export const ERROR_KINDS = { permanent: 'permanent', transient: 'transient' } as const;
export type ErrorKind = (typeof ERROR_KINDS)[keyof typeof ERROR_KINDS];

const TRANSIENT_AWS_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TransactionInProgressException',
  'LimitExceededException',
  'TimeoutError',
  'RequestTimeout',
]);

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
]);

/**
 * Kafka errors (kafkajs `type`) that refuse a request for what it is, never for the moment: a record
 * batch above `max.message.bytes` (one record can be: the broker checks it after compression), a
 * produce request above the broker's limits, a record the broker cannot take.
 */
const PERMANENT_KAFKA_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/**
 * DynamoDB's `ValidationException` messages for its hard limits
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html): an item above
 * 400 KB, a partition key above 2,048 bytes or a sort key above 1,024, a transaction above 4 MB. As
 * DynamoDB Local and DynamoDB say them. Any other `ValidationException` stays transient: it is a bug
 * of ours (an expression, a type), which must not turn into dead letters on its first occurrence.
 */
const DYNAMODB_LIMIT_MESSAGES = [
  /Item size (to update )?has exceeded the maximum allowed size/i,
  /primary key values must be under/i,
  /exceeded the maximum size limit/i,
  /Transaction (payload|request) size cannot exceed/i,
];

const reachesDynamoDbLimit = (message: string | undefined) =>
  message !== undefined && DYNAMODB_LIMIT_MESSAGES.some((pattern) => pattern.test(message));

/**
 * kafkajs wraps a broker's refusal in its retry errors: the Kafka error types anywhere in the cause chain.
 *
 * @param error - what kafkajs threw
 * @example
 * ```ts
 * kafkaErrorTypes(error); // e.g. ['KafkaJSNumberOfRetriesExceeded', 'KafkaJSConnectionError']
 * ```
 */
export function kafkaErrorTypes(error: unknown): string[] {
  const types: string[] = [];
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if ('type' in cause && typeof cause.type === 'string') types.push(cause.type);
  }
  return types;
}

/**
 * A limit of Kafka or DynamoDB, reached: permanent whichever way it is reported — directly, as a
 * `TransactionCanceledException` reason (`ValidationError`) or wrapped by kafkajs.
 */
function reachesLimit(error: object): boolean {
  if (kafkaErrorTypes(error).some((type) => PERMANENT_KAFKA_ERRORS.has(type))) return true;
  if (!('name' in error)) return false;
  const message = 'message' in error && typeof error.message === 'string' ? error.message : undefined;
  if (error.name === 'ValidationException') return reachesDynamoDbLimit(message);
  if (error.name === 'TransactionCanceledException' && 'CancellationReasons' in error) {
    const reasons = Array.isArray(error.CancellationReasons) ? error.CancellationReasons : [];
    return reasons.some(
      (reason: unknown) =>
        typeof reason === 'object' &&
        reason !== null &&
        'Code' in reason &&
        reason.Code === 'ValidationError' &&
        'Message' in reason &&
        typeof reason.Message === 'string' &&
        reachesDynamoDbLimit(reason.Message),
    );
  }
  return false;
}

/** The built-in rules: our classes, limits reached, AWS SDK errors, Node network errors, kafkajs retriable errors. */
function knownKind(error: unknown): ErrorKind | undefined {
  if (error instanceof PermanentError) return ERROR_KINDS.permanent;
  if (error instanceof TransientError) return ERROR_KINDS.transient;
  if (typeof error !== 'object' || error === null) return undefined;
  if (reachesLimit(error)) return ERROR_KINDS.permanent;
  const candidate = error as {
    name?: string;
    code?: string;
    retriable?: boolean;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (candidate.name && TRANSIENT_AWS_ERRORS.has(candidate.name)) return ERROR_KINDS.transient;
  if (candidate.$retryable) return ERROR_KINDS.transient;
  if ((candidate.$metadata?.httpStatusCode ?? 0) >= 500) return ERROR_KINDS.transient;
  if (candidate.code && TRANSIENT_NETWORK_CODES.has(candidate.code)) return ERROR_KINDS.transient;
  if (candidate.name?.startsWith('KafkaJS') && candidate.retriable === true) return ERROR_KINDS.transient;
  return undefined;
}

/**
 * Whether an error is worth retrying: a handler's {@link PermanentError} or {@link TransientError} says
 * so itself; DynamoDB's, Kafka's and the SDK's errors are known here. An error nobody recognises is
 * treated as transient: it is retried and, if it never succeeds, reaches the mapping's on-failure
 * destination — a bug must not silently turn into a dead-lettered record on its first occurrence.
 *
 * @param error - what a handler or a call threw
 * @example
 * ```ts
 * classify(new PermanentError('no such SKU')); // 'permanent': dead-lettered at once
 * classify(new Error('socket hang up'));       // 'transient': retried
 * ```
 */
export function classify(error: unknown): ErrorKind {
  return knownKind(error) ?? ERROR_KINDS.transient;
}
