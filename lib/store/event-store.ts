import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll, type TransactItem } from '@msk-patterns/pipeline';

/** An event to append. */
export interface NewEvent {
  eventId: string;
  type: string;
  /** the event's schema version (old ones are upcast on read) */
  schemaVersion: number;
  data: unknown;
  occurredAt: string;
  correlationId: string;
  causationId: string | null;
}

/** One event as stored: one item per event, keyed by stream and version. */
export type StoredEvent = NewEvent & { streamId: string; version: number };

export interface Snapshot<TState> {
  version: number;
  occurredAt: string;
  state: TState;
}

export interface LoadedStream<TState> {
  /** the latest usable snapshot at or before the requested point, if any */
  snapshot: Snapshot<TState> | undefined;
  /** events after the snapshot, in version order */
  events: StoredEvent[];
  /** version of the last event loaded (0 for an empty stream) */
  version: number;
}

export interface LoadOptions {
  /** the stream as it was at this version */
  asOfVersion?: number;
  /** the stream as it was at this instant (events that occurred at or before it) */
  asOfTime?: Date;
  /** every event from version 1, ignoring snapshots (listings, rebuilds) */
  fromStart?: boolean;
}

const snapshotStream = (streamId: string) => `${streamId}#snapshot`;

/**
 * Append-only event streams in one DynamoDB table (partition key `streamId`, sort key `version`).
 * Appends are returned as transaction items, so that the pipeline commits them with the idempotency
 * marker and the outbox in one `TransactWriteItems`; each Put is conditioned on its version being
 * free, so a concurrent append fails the whole transaction (optimistic concurrency). Snapshots live in
 * the same table under `<streamId>#snapshot`, tagged with the state's shape version.
 */
export class EventStore<TState> {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly table: string,
    readonly options: { snapshotEvery: number; stateVersion: number },
  ) {}

  async #query(streamId: string, after: number, upTo: number): Promise<StoredEvent[]> {
    return (await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'streamId = :s AND version BETWEEN :after AND :upTo',
      ExpressionAttributeValues: { ':s': streamId, ':after': after + 1, ':upTo': upTo },
      ConsistentRead: true,
    })) as unknown as StoredEvent[];
  }

  async #latestSnapshot(streamId: string, upTo: number): Promise<Snapshot<TState> | undefined> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'streamId = :s AND version <= :upTo',
        ExpressionAttributeValues: { ':s': snapshotStream(streamId), ':upTo': upTo },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = Items[0] as (Snapshot<TState> & { stateVersion: number }) | undefined;
    // A snapshot of an older state shape is ignored: replaying the events rebuilds it.
    return item && item.stateVersion === this.options.stateVersion ? item : undefined;
  }

  /**
   * Up to `limit` events after `afterVersion`, in order: one page of a stream. Versions have no gaps,
   * so a page is a range of versions and one Query.
   */
  async page(streamId: string, afterVersion: number, limit: number): Promise<StoredEvent[]> {
    return this.#query(streamId, afterVersion, afterVersion + limit);
  }

  /** Load a stream from its latest snapshot, or as it was at a version or an instant (time travel). */
  async load(streamId: string, options: LoadOptions = {}): Promise<LoadedStream<TState>> {
    if (options.asOfTime) {
      const limit = options.asOfTime.getTime();
      const events = (await this.#query(streamId, 0, Number.MAX_SAFE_INTEGER)).filter(
        (event) => Date.parse(event.occurredAt) <= limit,
      );
      return { snapshot: undefined, events, version: events.at(-1)?.version ?? 0 };
    }
    const upTo = options.asOfVersion ?? Number.MAX_SAFE_INTEGER;
    const snapshot = options.fromStart ? undefined : await this.#latestSnapshot(streamId, upTo);
    const events = await this.#query(streamId, snapshot?.version ?? 0, upTo);
    return { snapshot, events, version: events.at(-1)?.version ?? snapshot?.version ?? 0 };
  }

  /**
   * The transaction items that append `events` after `expectedVersion`, plus a snapshot when the
   * stream crosses a multiple of `snapshotEvery` (`stateAt` gives the state after a version).
   */
  appendItems(
    streamId: string,
    expectedVersion: number,
    events: readonly NewEvent[],
    stateAt?: (version: number) => TState,
  ): TransactItem[] {
    const items: TransactItem[] = events.map((event, index) => ({
      Put: {
        TableName: this.table,
        Item: { streamId, version: expectedVersion + index + 1, ...event } satisfies StoredEvent,
        ConditionExpression: 'attribute_not_exists(streamId)',
      },
    }));
    const last = expectedVersion + events.length;
    const every = this.options.snapshotEvery;
    const crossed = Math.floor(last / every) * every;
    if (stateAt && events.length > 0 && crossed > expectedVersion) {
      const occurredAt = events[crossed - expectedVersion - 1]?.occurredAt ?? new Date().toISOString();
      items.push({
        Put: {
          TableName: this.table,
          Item: {
            streamId: snapshotStream(streamId),
            version: crossed,
            occurredAt,
            state: stateAt(crossed),
            stateVersion: this.options.stateVersion,
          },
        },
      });
    }
    return items;
  }
}
