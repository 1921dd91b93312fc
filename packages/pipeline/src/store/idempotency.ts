import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  ConcurrencyConflictError,
  InProgressError,
  PayloadMismatchError,
  TransactionTooLargeError,
} from '../common/errors.js';
import { MAX_RECORD_AGE_HOURS, TOPIC_SETTINGS } from '../contracts/topics.js';
import type { OutgoingRecord } from '../kafka/producer.js';
import { batchGetAll } from './dynamodb.js';

/** One item of a `TransactWriteItems` request, in document (unmarshalled) form. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limit on items in one transaction. */
export const MAX_TRANSACTION_ITEMS = 100;

export const MARKER_STATUS = { inProgress: 'IN_PROGRESS', completed: 'COMPLETED' } as const;

/** The status of the item that remembers a record's dead letter was written. */
const LETTER_WRITTEN = 'DEAD_LETTER_WRITTEN';

interface MarkerItem {
  id: string;
  status: (typeof MARKER_STATUS)[keyof typeof MARKER_STATUS];
  payloadHash: string;
  outbox?: OutgoingRecord[];
  token?: string;
  leaseExpiresAt?: number;
  expiresAt: number;
  /** a redelivery republished the outbox and the broker confirmed it: later copies publish nothing */
  outboxRepublished?: boolean;
}

export type CommitResult = { status: 'committed' } | { status: 'duplicate'; outbox: OutgoingRecord[] };
export type ClaimResult =
  | { status: 'claimed'; token: string }
  | { status: 'duplicate'; outbox: OutgoingRecord[] };

export interface IdempotencyStoreOptions {
  /**
   * How long a marker lives (DynamoDB TTL).
   * @default {@link MARKER_LIFETIME_SECONDS}, as long as a dead letter of its record can exist
   */
  ttlSeconds?: number;
  /** the clock, in epoch milliseconds (tests move it forward) */
  now?: () => number;
}

/**
 * How long a marker, and the outbox in it, lives: as long as a dead letter of its record can exist,
 * so that a redrive publishes the committed outbox instead of deciding again on later state (the
 * outbox guarantee, docs/patterns.md). A record reaches its mapping's on-failure destination at most
 * MaximumRecordAgeInSeconds after it was written — 7 days at most
 * (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html) — and its letter
 * lives the dead-letter topic's retention plus one segment roll (Kafka deletes whole segments).
 */
export const MARKER_LIFETIME_SECONDS =
  (MAX_RECORD_AGE_HOURS + TOPIC_SETTINGS.deadLetter.retentionHours + TOPIC_SETTINGS.deadLetter.segmentHours) *
  3600;

/**
 * What a duplicate publishes again. The first delivery publishes after its commit; a copy cannot tell
 * whether that publish happened (the function may have died in between), so it republishes the
 * stored outbox — once: after a confirmed republish the marker says so and later copies publish
 * nothing. Without that, every copy republished, and under redelivery each hop of the saga multiplied
 * the copies of the next (found by `npm run chaos`: 2.5 deliveries per record grew to hundreds of
 * copies six hops on).
 */
function storedOutbox(marker: MarkerItem): OutgoingRecord[] {
  return marker.outboxRepublished ? [] : (marker.outbox ?? []);
}

/**
 * Idempotency markers in DynamoDB, written with conditional writes. In transactional mode the marker,
 * the handler's writes and its outgoing messages (the outbox) commit in ONE request.
 * @example
 * ```ts
 * const store = new IdempotencyStore(service.documentClient, service.tableName('IDEMPOTENCY_TABLE'));
 * await store.find('payments:order-1', hash); // the committed marker, if any
 * ```
 */
export class IdempotencyStore {
  readonly #ttlSeconds: number;
  readonly #now: () => number;

  /**
   * @param client - the document client
   * @param table - the markers' table
   * @param options - how long markers live, the clock
   */
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly table: string,
    options: IdempotencyStoreOptions = {},
  ) {
    this.#ttlSeconds = options.ttlSeconds ?? MARKER_LIFETIME_SECONDS;
    this.#now = options.now ?? Date.now;
  }

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  #expiresAt(): number {
    return this.#nowSeconds() + this.#ttlSeconds;
  }

  /**
   * DynamoDB deletes an expired item within days, not at once, and reads return it until then
   * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html): a marker
   * past `expiresAt` counts as gone, the same on AWS and on DynamoDB Local (which never deletes it).
   */
  #live<TItem extends Record<string, unknown>>(marker: TItem | undefined): marker is TItem {
    return marker !== undefined && Number(marker.expiresAt) >= this.#nowSeconds();
  }

  /** A stored marker says "done": hand back its outbox, or refuse a different payload under the same key. */
  #duplicateOf(
    key: string,
    payloadHash: string,
    marker: MarkerItem,
  ): { status: 'duplicate'; outbox: OutgoingRecord[] } {
    if (marker.payloadHash !== payloadHash) throw new PayloadMismatchError(key);
    return { status: 'duplicate', outbox: storedOutbox(marker) };
  }

  /**
   * Record that the outboxes of these duplicates were republished and confirmed by the broker, so
   * that further copies of their records publish nothing. Best effort: a marker it misses only costs
   * one more republish.
   *
   * @param keys - idempotency keys
   */
  async markRepublished(keys: readonly string[]): Promise<void> {
    await Promise.all(
      [...new Set(keys)].map((id) =>
        this.client
          .send(
            new UpdateCommand({
              TableName: this.table,
              Key: { id },
              UpdateExpression: 'SET outboxRepublished = :yes',
              ConditionExpression: 'attribute_exists(id)',
              ExpressionAttributeValues: { ':yes': true },
            }),
          )
          .catch(() => {}),
      ),
    );
  }

  /**
   * Which of these dead letters were written already (their `markLettersWritten` markers, live):
   * one BatchGetItem per 100 keys.
   *
   * @param keys - dead-letter marker keys
   */
  async lettersWritten(keys: readonly string[]): Promise<Set<string>> {
    return this.existing(keys);
  }

  /**
   * Remember that these dead letters were written, for as long as a marker lives. Best effort, one
   * PutItem each (the role's rights are per item: no BatchWriteItem).
   *
   * @param keys - dead-letter marker keys
   */
  async markLettersWritten(keys: readonly string[]): Promise<void> {
    const expiresAt = this.#expiresAt();
    await Promise.all(
      [...new Set(keys)].map((id) =>
        this.client
          .send(new PutCommand({ TableName: this.table, Item: { id, status: LETTER_WRITTEN, expiresAt } }))
          .catch(() => {}),
      ),
    );
  }

  /**
   * Which of `keys` already have a marker (one BatchGetItem per 100 keys). Only an optimisation that
   * spares the handler for redelivered records; the conditional write stays the guarantee.
   *
   * @param keys - idempotency keys
   */
  async existing(keys: readonly string[]): Promise<Set<string>> {
    // Distinct keys: one message may arrive twice in a batch.
    const unique = [...new Set(keys)].map((id) => ({ id }));
    const items = await batchGetAll(this.client, this.table, unique, { projection: 'id, expiresAt' });
    return new Set(items.filter((item) => this.#live(item)).map((item) => String(item.id)));
  }

  /**
   * The committed outboxes under `keys` that a redelivery of their records would publish: how many
   * messages each holds, and whether a redelivery already republished them (read consistently, one
   * BatchGetItem per 100 keys). What the dead-letter tool says of a letter before a redrive.
   *
   * @param keys - idempotency keys
   */
  async outboxes(keys: readonly string[]): Promise<Map<string, { messages: number; republished: boolean }>> {
    const unique = [...new Set(keys)].map((id) => ({ id }));
    const items = await batchGetAll(this.client, this.table, unique, { consistentRead: true });
    return new Map(
      items
        .filter((item) => this.#live(item) && item.status === MARKER_STATUS.completed)
        .map((item) => [
          String(item.id),
          {
            messages: Array.isArray(item.outbox) ? item.outbox.length : 0,
            republished: item.outboxRepublished === true,
          },
        ]),
    );
  }

  /**
   * The stored outcome under `key`, read consistently: a duplicate's outbox (or a payload mismatch),
   * `undefined` when there is no marker (any more).
   *
   * @param key - the idempotency key
   * @param payloadHash - the record value's hash
   */
  async find(key: string, payloadHash: string): Promise<CommitResult | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { id: key }, ConsistentRead: true }),
    );
    if (!this.#live(Item) || Item.status !== MARKER_STATUS.completed) return undefined;
    return this.#duplicateOf(key, payloadHash, Item as MarkerItem);
  }

  /**
   * Transactional mode: marker (`attribute_not_exists`), the handler's writes and the outbox in one
   * request — a `PutItem` when there are no writes, else one `TransactWriteItems`. A duplicate fails
   * the marker condition; the old marker comes back with the failure (ALL_OLD), so detecting it costs
   * no extra read. Any other failed condition rolls everything back, marker included.
   *
   * @param key - the idempotency key
   * @param payloadHash - the record value's hash
   * @param writes - the handler's writes
   * @param outbox - the messages to publish
   */
  async commit(
    key: string,
    payloadHash: string,
    writes: readonly TransactItem[],
    outbox: OutgoingRecord[],
  ): Promise<CommitResult> {
    if (writes.length + 1 > MAX_TRANSACTION_ITEMS) throw new TransactionTooLargeError(writes.length + 1);
    const marker: MarkerItem = {
      id: key,
      status: MARKER_STATUS.completed,
      payloadHash,
      outbox,
      expiresAt: this.#expiresAt(),
    };
    const put = {
      TableName: this.table,
      Item: marker,
      ConditionExpression: 'attribute_not_exists(id) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': this.#nowSeconds() },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    try {
      if (writes.length === 0) await this.client.send(new PutCommand(put));
      else await this.client.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, ...writes] }));
      return { status: 'committed' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return this.#duplicateOf(key, payloadHash, unmarshall(error.Item ?? {}) as MarkerItem);
      }
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          return this.#duplicateOf(key, payloadHash, unmarshall(reasons[0].Item ?? {}) as MarkerItem);
        }
        const failed = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
        if (failed > 0) {
          throw new ConcurrencyConflictError(
            `condition of write ${failed} of the decision failed: state changed, deciding again`,
            { cause: error, context: { idempotencyKey: key, write: failed } },
          );
        }
      }
      throw error;
    }
  }

  /**
   * Claim mode, step 1: a conditional put of an IN_PROGRESS marker whose lease ends with the
   * invocation. A live claim by someone else is transient; an expired one is taken over.
   *
   * @param key - the idempotency key
   * @param payloadHash - the record value's hash
   * @param leaseMs - how long the claim holds
   */
  async claim(key: string, payloadHash: string, leaseMs: number): Promise<ClaimResult> {
    const now = this.#now();
    const token = `${now}-${Math.random().toString(36).slice(2)}`;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            id: key,
            status: MARKER_STATUS.inProgress,
            payloadHash,
            token,
            leaseExpiresAt: now + leaseMs,
            expiresAt: this.#expiresAt(),
          } satisfies MarkerItem,
          ConditionExpression:
            'attribute_not_exists(id) OR expiresAt < :nowSeconds OR (#status = :inProgress AND leaseExpiresAt < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':inProgress': MARKER_STATUS.inProgress,
            ':now': now,
            ':nowSeconds': this.#nowSeconds(),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { status: 'claimed', token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const old = unmarshall(error.Item ?? {}) as MarkerItem;
      if (old.payloadHash !== payloadHash) throw new PayloadMismatchError(key);
      if (old.status === MARKER_STATUS.inProgress)
        throw new InProgressError(key, Math.max(0, (old.leaseExpiresAt ?? now) - now));
      return { status: 'duplicate', outbox: storedOutbox(old) };
    }
  }

  /**
   * Claim mode, step 2: mark COMPLETED with the outbox, in one transaction with the handler's writes.
   *
   * @param key - the idempotency key
   * @param token - the claim's token
   * @param writes - the handler's writes
   * @param outbox - the messages to publish
   */
  async complete(
    key: string,
    token: string,
    writes: readonly TransactItem[],
    outbox: OutgoingRecord[],
  ): Promise<void> {
    if (writes.length + 1 > MAX_TRANSACTION_ITEMS) throw new TransactionTooLargeError(writes.length + 1);
    const update = {
      TableName: this.table,
      Key: { id: key },
      // The token goes with the lease: a release() after a complete() whose answer was lost (the
      // commit happened, the caller saw an error) must not find a token that deletes a COMPLETED marker.
      UpdateExpression: 'SET #status = :completed, outbox = :outbox REMOVE leaseExpiresAt, #token',
      ConditionExpression: '#token = :token',
      ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
      ExpressionAttributeValues: {
        ':completed': MARKER_STATUS.completed,
        ':outbox': outbox,
        ':token': token,
      },
    };
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: [{ Update: update }, ...writes] }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          throw new ConcurrencyConflictError(`claim on ${key} was lost (lease expired and taken over)`, {
            cause: error,
            context: { idempotencyKey: key },
          });
        }
        if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
          throw new ConcurrencyConflictError(`a condition of the decision for ${key} failed`, {
            cause: error,
            context: { idempotencyKey: key },
          });
        }
      }
      throw error;
    }
  }

  /**
   * Claim mode, on failure: give the key back so that a retry can claim it at once.
   *
   * @param key - the idempotency key
   * @param token - the claim's token
   */
  async release(key: string, token: string): Promise<void> {
    await this.client
      .send(
        new DeleteCommand({
          TableName: this.table,
          Key: { id: key },
          ConditionExpression: '#token = :token AND #status = :inProgress',
          ExpressionAttributeNames: { '#token': 'token', '#status': 'status' },
          ExpressionAttributeValues: { ':token': token, ':inProgress': MARKER_STATUS.inProgress },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }
}
