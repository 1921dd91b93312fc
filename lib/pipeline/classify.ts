import { PermanentError, TransientError } from '../common/errors.js';

export const ERROR_KINDS = { permanent: 'permanent', transient: 'transient' } as const;
export type ErrorKind = (typeof ERROR_KINDS)[keyof typeof ERROR_KINDS];

/** Returns a kind to decide, or `undefined` to let the next classifier decide. */
export type ErrorClassifier = (error: unknown) => ErrorKind | undefined;

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

/** The built-in rules: our classes, AWS SDK errors, Node network errors, kafkajs retriable errors. */
export const defaultClassifier: ErrorClassifier = (error) => {
  if (error instanceof PermanentError) return ERROR_KINDS.permanent;
  if (error instanceof TransientError) return ERROR_KINDS.transient;
  if (typeof error !== 'object' || error === null) return undefined;
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
};

/**
 * Classify with the handler's classifiers first, then the defaults. An error nobody recognises is
 * treated as transient: it is retried and, if it never succeeds, reaches the mapping's on-failure
 * destination — a bug must not silently turn into a dead-lettered record on its first occurrence.
 */
export function classify(error: unknown, classifiers: readonly ErrorClassifier[] = []): ErrorKind {
  for (const classifier of [...classifiers, defaultClassifier]) {
    const kind = classifier(error);
    if (kind) return kind;
  }
  return ERROR_KINDS.transient;
}
