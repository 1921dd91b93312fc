import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll, type TransactItem } from '@msk-patterns/pipeline';
import { evolve, initialOrderState, type OrderEvent, type OrderState } from '../domain/order.js';

/** The read model of one order, kept by the projector in version order. */
export interface OrderView {
  orderId: string;
  customerId?: string | undefined;
  status: OrderState['status'];
  currency?: string | undefined;
  items: OrderState['items'];
  total: number;
  cancelReason?: string | undefined;
  /** the stream version of the last event applied */
  version: number;
  /** the last {@link TIMELINE_LENGTH} events; the whole stream is at `GET /orders/{id}/events` */
  timeline: Array<{ version: number; type: string; occurredAt: string; reason?: string }>;
}

/**
 * Events an order's view keeps in its timeline. A view is one DynamoDB item (400 KB at most) that
 * every event of the order rewrites: refused commands alone (an `OrderRejected` each) would otherwise
 * grow it past the limit, and the projector could never update that order again.
 */
export const TIMELINE_LENGTH = 50;

/** One page of a customer's orders, and the cursor of the next when there may be more. */
export interface CustomerOrdersPage {
  orders: CustomerOrder[];
  /** the last order id of this page: where the next one starts */
  lastOrderId?: string;
}

/** One line of the by-customer view. */
export interface CustomerOrder {
  orderId: string;
  status: OrderState['status'];
  total: number;
  currency?: string | undefined;
  version: number;
}

const ACTIVE = { pk: 'meta', sk: 'active-generation' } as const;
const orderKey = (generation: number, orderId: string) => ({
  pk: `${generation}#order#${orderId}`,
  sk: 'view',
});
const customerPk = (generation: number, customerId: string) => `${generation}#customer#${customerId}`;

/** Apply one event (current version) to a view. Pure. */
export function projectOrderView(
  view: OrderView | undefined,
  orderId: string,
  event: OrderEvent,
  version: number,
  occurredAt: string,
): OrderView {
  const state: OrderState = view ? ({ ...view, orderId } as OrderState) : initialOrderState;
  const next = evolve(state, event);
  const reason =
    event.type === 'OrderRejected' || event.type === 'OrderCancelled' ? event.data.reason : undefined;
  // Only defined fields: a view is stored as it is, whatever the client's marshalling options.
  return {
    orderId,
    status: next.status,
    items: next.items,
    total: next.total,
    version,
    timeline: [
      ...(view?.timeline ?? []),
      { version, type: event.type, occurredAt, ...(reason ? { reason } : {}) },
    ].slice(-TIMELINE_LENGTH),
    ...(next.customerId ? { customerId: next.customerId } : {}),
    ...(next.currency ? { currency: next.currency } : {}),
    ...(next.cancelReason ? { cancelReason: next.cancelReason } : {}),
  };
}

/**
 * Order views in one table (`pk`, `sk`), by generation: `<gen>#order#<id>` holds an order's view,
 * `<gen>#customer#<id>` lists a customer's orders, `meta/active-generation` says which generation
 * queries and the projector use. A rebuild fills a new generation and then switches the pointer.
 */
export class OrderViews {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async activeGeneration(): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: ACTIVE, ConsistentRead: true }),
    );
    return (Item?.generation as number | undefined) ?? 1;
  }

  async switchTo(generation: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...ACTIVE, generation, switchedAt: new Date().toISOString() },
      }),
    );
  }

  async get(orderId: string, generation?: number): Promise<OrderView | undefined> {
    const key = orderKey(generation ?? (await this.activeGeneration()), orderId);
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
    );
    return Item?.view as OrderView | undefined;
  }

  async listByCustomer(customerId: string, generation?: number): Promise<CustomerOrder[]> {
    const pk = customerPk(generation ?? (await this.activeGeneration()), customerId);
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    });
    return items.map((item) => item.order as CustomerOrder);
  }

  /**
   * Up to `limit` of a customer's orders by order id, after `afterOrderId`: one Query, whatever the
   * number of orders (a whole list could pass Lambda's 6 MB response).
   */
  async pageByCustomer(
    customerId: string,
    page: { limit: number; afterOrderId?: string | undefined },
  ): Promise<CustomerOrdersPage> {
    const pk = customerPk(await this.activeGeneration(), customerId);
    // One more than asked: whether a next page exists, without an empty last page.
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        Limit: page.limit + 1,
        ...(page.afterOrderId ? { ExclusiveStartKey: { pk, sk: page.afterOrderId } } : {}),
      }),
    );
    const orders = Items.slice(0, page.limit).map((item) => item.order as CustomerOrder);
    const last = orders.at(-1);
    return Items.length > page.limit && last ? { orders, lastOrderId: last.orderId } : { orders };
  }

  /**
   * Write `view` if the stored one is still at `previousVersion` (0 = none yet): the order view and its
   * line in the customer's list, as transaction items.
   */
  applyItems(generation: number, view: OrderView, previousVersion: number): TransactItem[] {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.table,
          Item: { ...orderKey(generation, view.orderId), view, version: view.version },
          ...(previousVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :previous',
                ExpressionAttributeValues: { ':previous': previousVersion },
              }),
        },
      },
    ];
    if (view.customerId) {
      const order: CustomerOrder = {
        orderId: view.orderId,
        status: view.status,
        total: view.total,
        version: view.version,
        ...(view.currency ? { currency: view.currency } : {}),
      };
      items.push({
        Put: {
          TableName: this.table,
          Item: { pk: customerPk(generation, view.customerId), sk: view.orderId, order },
        },
      });
    }
    return items;
  }
}
