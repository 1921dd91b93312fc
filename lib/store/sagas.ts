import { type DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, queryAll, type TransactItem } from '@msk-patterns/pipeline';
import { isTerminal, type Saga, type SagaCause, type SagaStateName, type SagaStep } from '../domain/saga.js';

/**
 * Saga state in DynamoDB: one item per saga (`pk` = order id, `sk` = "saga") and one item per
 * transition (`sk` = "t#<version>"), the timeline that explains the outcome. While a saga waits, its
 * item carries `deadlineShard` + `deadlineAt`, the keys of the sparse `byDeadline` index the deadline
 * sweep queries; a terminal saga drops them and leaves the index.
 */
export const SAGA_ITEM = 'saga';
export const DEADLINE_INDEX = 'byDeadline';
/** Waiting sagas spread over this many index partitions, so no single one runs hot. */
export const DEADLINE_SHARDS = 8;

const transitionKey = (version: number) => `t#${String(version).padStart(8, '0')}`;

export function deadlineShard(orderId: string): string {
  let hash = 0;
  for (const char of orderId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `open#${hash % DEADLINE_SHARDS}`;
}

/** One line of a saga's timeline. */
export interface SagaTransition {
  version: number;
  at: string;
  from: SagaStateName | 'none';
  to: SagaStateName;
  /** what moved it: an event (type and message id) or the deadline */
  trigger: { type: string; messageId?: string | undefined };
  /** the commands this transition sent */
  sent: string[];
  note: string;
}

/** Which sagas a list asks for; every field narrows it. */
export interface SagaFilter {
  state?: SagaStateName | undefined;
  cause?: SagaCause | undefined;
  /** started before this time (ISO 8601): sagas older than an age */
  startedBefore?: string | undefined;
  /** waiting, with their deadline at or before this time (epoch ms) */
  overdueAt?: number | undefined;
}

/** A page of a saga list, and where the next one starts. */
export interface SagaListPage {
  sagas: Saga[];
  /** the table's key to go on from; undefined when the whole table was read */
  next: Record<string, string> | undefined;
  /** items DynamoDB read for this page, matching or not: what the page cost */
  scanned: number;
}

/** The saga stored in an item, without the table's keys. */
function toSaga(item: Record<string, unknown>): Saga {
  const { pk: _pk, sk: _sk, deadlineShard: _shard, ...saga } = item;
  return saga as unknown as Saga;
}

export class SagaStore {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  /** The saga of an order, read consistently (the conditional write still guards against a stale read). */
  async get(orderId: string): Promise<Saga | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: orderId, sk: SAGA_ITEM }, ConsistentRead: true }),
    );
    return Item ? toSaga(Item) : undefined;
  }

  /** The sagas of these orders that exist, by order id (consistent reads). */
  async getMany(orderIds: readonly string[]): Promise<Map<string, Saga>> {
    const keys = [...new Set(orderIds)].map((pk) => ({ pk, sk: SAGA_ITEM }));
    const items = await batchGetAll(this.client, this.table, keys, { consistentRead: true });
    return new Map(items.map((item) => [String(item.pk), toSaga(item)]));
  }

  /**
   * The transaction items of one transition: the saga item, conditioned on the state and version it
   * was decided on (or on not existing yet), and its timeline entry. They commit with the idempotency
   * marker and the outbox (docs/architecture.md, "Processing one batch" step 4).
   */
  transitionItems(
    before: Saga | undefined,
    step: Extract<SagaStep, { kind: 'moved' }>,
    trigger: SagaTransition['trigger'],
  ): TransactItem[] {
    const { saga } = step;
    const item: Record<string, unknown> = { pk: saga.orderId, sk: SAGA_ITEM, ...saga };
    if (!isTerminal(saga.state) && saga.deadlineAt !== undefined)
      item.deadlineShard = deadlineShard(saga.orderId);
    const guarded = before
      ? {
          ConditionExpression: '#state = :state AND #version = :version',
          ExpressionAttributeNames: { '#state': 'state', '#version': 'version' },
          ExpressionAttributeValues: { ':state': before.state, ':version': before.version },
        }
      : { ConditionExpression: 'attribute_not_exists(pk)' };
    const entry: SagaTransition = {
      version: saga.version,
      at: saga.updatedAt,
      from: step.from,
      to: saga.state,
      trigger,
      sent: step.commands.map((sent) => sent.type),
      note: step.note,
    };
    return [
      { Put: { TableName: this.table, Item: item, ...guarded } },
      {
        Put: {
          TableName: this.table,
          Item: { pk: saga.orderId, sk: transitionKey(saga.version), ...entry },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
  }

  /** The saga's transitions, oldest first. */
  async timeline(orderId: string): Promise<SagaTransition[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)',
      ExpressionAttributeValues: { ':pk': orderId, ':t': 't#' },
      ConsistentRead: true,
    });
    return items.map(({ pk: _pk, sk: _sk, ...entry }) => entry as unknown as SagaTransition);
  }

  /**
   * Sagas matching `filter`, by Scan: no index serves a list by state, cause or age, and a saga writes
   * often while an operator lists rarely — an index would cost a write on every transition (see
   * docs/console.md, "Saga list"). Reads pages of the table until `wanted` sagas match or `maxPages`
   * were read, so one request's cost is bounded; `next` goes on from there.
   *
   * @param filter - what the sagas must be
   * @param from - the `next` of the previous page
   * @param wanted - how many sagas are enough for one answer
   * @param maxPages - the most DynamoDB pages (1 MB each) one answer reads
   */
  async list(
    filter: SagaFilter,
    from?: Record<string, string>,
    { wanted = 50, maxPages = 4 }: { wanted?: number; maxPages?: number } = {},
  ): Promise<SagaListPage> {
    const conditions = ['sk = :saga'];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':saga': SAGA_ITEM };
    if (filter.state) {
      conditions.push('#state = :state');
      names['#state'] = 'state';
      values[':state'] = filter.state;
    }
    if (filter.cause) {
      conditions.push('#cause = :cause');
      names['#cause'] = 'cause';
      values[':cause'] = filter.cause;
    }
    if (filter.startedBefore) {
      conditions.push('startedAt < :before');
      values[':before'] = filter.startedBefore;
    }
    if (filter.overdueAt !== undefined) {
      conditions.push('deadlineAt <= :now');
      values[':now'] = filter.overdueAt;
    }
    const sagas: Saga[] = [];
    let next: Record<string, unknown> | undefined = from;
    let scanned = 0;
    for (let page = 0; page < maxPages && sagas.length < wanted; page++) {
      const answer = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: conditions.join(' AND '),
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ExclusiveStartKey: next,
        }),
      );
      scanned += answer.ScannedCount ?? 0;
      sagas.push(...(answer.Items ?? []).map(toSaga));
      next = answer.LastEvaluatedKey;
      if (!next) break;
    }
    return {
      sagas,
      next: next && { pk: String(next.pk), sk: String(next.sk) },
      scanned,
    };
  }

  /** Order ids of waiting sagas whose deadline is at or before `now` (epoch ms), up to `limit` per shard. */
  async overdue(now: number, limit = 100): Promise<string[]> {
    const shards = Array.from({ length: DEADLINE_SHARDS }, (_, shard) => `open#${shard}`);
    const pages = await Promise.all(
      shards.map((shard) =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: DEADLINE_INDEX,
            KeyConditionExpression: 'deadlineShard = :shard AND deadlineAt <= :now',
            ExpressionAttributeValues: { ':shard': shard, ':now': now },
            Limit: limit,
          }),
        ),
      ),
    );
    return pages.flatMap((page) => (page.Items ?? []).map((item) => String(item.pk)));
  }
}
