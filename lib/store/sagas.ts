import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, queryAll, type TransactItem } from '@msk-patterns/pipeline';
import { isTerminal, type Saga, type SagaStateName, type SagaStep } from '../domain/saga.js';

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
