/**
 * Error classes of the batch pipeline. The class decides what happens to a record:
 * permanent → dead-letter topic at once; transient → retried in place, then by the mapping.
 */

/** What an error is about — a topic, a key, a limit, a status — safe to log: never a payload. */
export type ErrorContext = Readonly<Record<string, string | number | undefined>>;

/** How an error of the pipeline is made: its cause, and what it is about. */
export interface PipelineErrorOptions {
  cause?: unknown;
  /** @default {} */
  context?: ErrorContext;
}

/**
 * The base class of every error the pipeline throws. Each class sets its `name`, so that logs and
 * dead-letter headers name it even in a minified bundle; `context` says what it is about.
 *
 * @example
 * ```ts
 * try { await handler(event, context); } catch (error) {
 *   if (error instanceof PipelineError) logger.error(error.message, { name: error.name, ...error.context });
 * }
 * ```
 */
export class PipelineError extends Error {
  override name = 'PipelineError';
  readonly context: ErrorContext;
  /**
   * @param message what went wrong, without payloads
   * @param options its cause and context
   */
  constructor(message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.context = options.context ?? {};
  }
}

/**
 * Retrying can never make this record succeed. It goes to the dead-letter topic with this reason.
 * @example
 * ```ts
 * const handle: MessageHandler = (message) => {
 *   if (message.data.amount < 0) throw new PermanentError('a negative amount can never be charged');
 *   return {}; // PermanentError: dead-lettered at once with its reason, no retry
 * };
 * ```
 */
export class PermanentError extends PipelineError {
  override name = 'PermanentError';
}

/**
 * Worth retrying: throttling, 5xx, network, time-outs, conflicts.
 * @example
 * ```ts
 * const handle: MessageHandler = async (message) => {
 *   const response = await fetch(providerUrl);
 *   if (response.status === 503) throw new TransientError('provider unavailable'); // retried with backoff
 *   return {};
 * };
 * ```
 */
export class TransientError extends PipelineError {
  override name = 'TransientError';
}

/**
 * A record value that is not a valid message of its topic's contracts.
 * @example
 * ```ts
 * contracts.validate('orders.commands', '{"type":"PlaceOrder"}');
 * // ContractViolationError: the envelope's missing fields, named; the record is dead-lettered at once
 * ```
 */
export class ContractViolationError extends PermanentError {
  override name = 'ContractViolationError';
  /**
   * @param message - zod's explanation
   * @param topic - the topic
   * @param messageType - the message type, when the envelope named one
   */
  constructor(
    message: string,
    readonly topic: string,
    readonly messageType?: string,
  ) {
    super(message, { context: { topic, messageType } });
  }
}

/**
 * A valid message whose contract the consumer does not handle (a command nobody here would act on).
 * @example
 * ```ts
 * // a command consumer gets a valid message whose contract it does not handle:
 * // UnhandledMessageError; dead-lettered so that its sender learns why
 * ```
 */
export class UnhandledMessageError extends PermanentError {
  override name = 'UnhandledMessageError';
  /**
   * @param message - why
   * @param topic - the topic
   * @param messageType - the message type
   */
  constructor(
    message: string,
    readonly topic: string,
    readonly messageType: string,
  ) {
    super(message, { context: { topic, messageType } });
  }
}

/**
 * The same idempotency key arrived with a different payload: a producer bug, never a retry.
 * @example
 * ```ts
 * // the same message id again, with other bytes than the committed one:
 * // PayloadMismatchError: dead-lettered, never applied twice or overwritten
 * ```
 */
export class PayloadMismatchError extends PermanentError {
  override name = 'PayloadMismatchError';
  /**
   * @param idempotencyKey - the key
   */
  constructor(readonly idempotencyKey: string) {
    super(`idempotency key ${idempotencyKey} was already used for a different payload`, {
      context: { idempotencyKey },
    });
  }
}

/**
 * A decision that DynamoDB cannot commit in one transaction (more than 100 items).
 * @example
 * ```ts
 * // a decision whose writes, with the marker and outbox, exceed TransactWriteItems' 100 items or 4 MB:
 * // TransactionTooLargeError naming the count or size; dead-lettered
 * ```
 */
export class TransactionTooLargeError extends PermanentError {
  override name = 'TransactionTooLargeError';
  /**
   * @param items - the items the transaction would have
   */
  constructor(readonly items: number) {
    super(`a record's decision needs ${items} items in one TransactWriteItems; DynamoDB allows at most 100`, {
      context: { items },
    });
  }
}

/**
 * A record reaches a hard limit of Kafka or DynamoDB — a message above a topic's `max.message.bytes`,
 * an item above 400 KB, a key above 2 KB, a transaction above 4 MB (docs/aws-behaviours.md, "Limits"):
 * the same request can never succeed. `limit` names the limit.
 * @example
 * ```ts
 * // a decision writes an item over DynamoDB's 400 KB:
 * // LimitExceededError naming the limit and the item; the record is dead-lettered (it can never succeed)
 * ```
 */
export class LimitExceededError extends PermanentError {
  override name = 'LimitExceededError';
  /**
   * @param message - what exceeded it, by how much
   * @param limit - the limit's name
   * @param options - its cause
   */
  constructor(
    message: string,
    readonly limit: string,
    options?: { cause?: unknown },
  ) {
    super(message, { cause: options?.cause, context: { limit } });
  }
}

/**
 * Another invocation holds the claim on this key right now. `retryAfterMs`: when its lease ends — the
 * claimer may have died (its process killed mid-record), and only the lease's end frees the key.
 * @example
 * ```ts
 * // claim mode: another invocation holds the record's lease
 * await store.claim(key, hash, 30_000); // InProgressError until the lease ends; the record is retried
 * ```
 */
export class InProgressError extends TransientError {
  override name = 'InProgressError';
  /**
   * @param idempotencyKey - the claimed key
   * @param retryAfterMs - when the claim expires
   */
  constructor(
    readonly idempotencyKey: string,
    readonly retryAfterMs?: number,
  ) {
    super(`idempotency key ${idempotencyKey} is being processed by another invocation`, {
      context: { idempotencyKey, retryAfterMs },
    });
  }
}

/**
 * A business condition of the decision failed: the state moved underneath; decide again on fresh state.
 * @example
 * ```ts
 * // a decision's condition failed because another invocation wrote first:
 * throw new ConcurrencyConflictError(`order ${orderId} moved on`); // the record is decided again on fresh state
 * ```
 */
export class ConcurrencyConflictError extends TransientError {
  override name = 'ConcurrencyConflictError';
}

/**
 * Not enough invocation time left to start or retry safely; the mapping will redeliver.
 * @example
 * ```ts
 * // a record still running when the invocation's time is nearly out:
 * // TimeBudgetExceededError; it is reported in batchItemFailures and redelivered
 * ```
 */
export class TimeBudgetExceededError extends TransientError {
  override name = 'TimeBudgetExceededError';
}
