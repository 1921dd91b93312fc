import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ABSENT, batchGetAll, putIfStatus, type TransactItem } from '@msk-patterns/pipeline';
import {
  RESERVATION_STATUS,
  type Reservation,
  type ReservationStatus,
  type StockLevel,
  type StockLine,
} from '../domain/inventory.js';

const skuKey = (sku: string) => `sku#${sku}`;
const reservationKey = (orderId: string) => `reservation#${orderId}`;

/**
 * Stock per SKU (`sku#<sku>`) and one reservation per order (`reservation#<orderId>`) in one table.
 * Every change is a conditional update that keeps `available`, `reserved` and `sold` non-negative, so
 * concurrent orders can never oversell: a lost race fails its condition and is decided again.
 */
export class InventoryStore {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async reservation(orderId: string): Promise<Reservation | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { id: reservationKey(orderId) }, ConsistentRead: true }),
    );
    return Item as Reservation | undefined;
  }

  /** Stock levels of the SKUs (consistent reads; absent SKUs are missing from the map). */
  async stock(skus: readonly string[]): Promise<Map<string, StockLevel>> {
    const keys = [...new Set(skus)].map((sku) => ({ id: skuKey(sku) }));
    const items = await batchGetAll(this.client, this.table, keys, { consistentRead: true });
    return new Map(items.map((item) => [String(item.sku), item as unknown as StockLevel]));
  }

  /** Put stock on the shelf (seeding and restocking): adds to `available` and `received`. */
  async receive(sku: string, quantity: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id: skuKey(sku) },
        UpdateExpression:
          'SET sku = :sku, reserved = if_not_exists(reserved, :zero), sold = if_not_exists(sold, :zero) ADD available :q, received :q',
        ExpressionAttributeValues: { ':sku': sku, ':q': quantity, ':zero': 0 },
      }),
    );
  }

  /** Move `quantity` from one bucket to another, only if the source holds at least that much. */
  #move(sku: string, quantity: number, from: keyof StockLevel, to: keyof StockLevel): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: { id: skuKey(sku) },
        UpdateExpression: 'SET #from = #from - :q, #to = #to + :q',
        ConditionExpression: '#from >= :q',
        ExpressionAttributeNames: { '#from': from, '#to': to },
        ExpressionAttributeValues: { ':q': quantity },
      },
    };
  }

  #putReservation(reservation: Reservation, expected: ReservationStatus | typeof ABSENT): TransactItem {
    return putIfStatus(this.table, { id: reservationKey(reservation.orderId), ...reservation }, expected);
  }

  /** Hold every line (available → reserved) and record the reservation, in one transaction. */
  reserveItems(orderId: string, lines: readonly StockLine[]): TransactItem[] {
    return [
      ...lines.map(({ sku, quantity }) => this.#move(sku, quantity, 'available', 'reserved')),
      this.#putReservation({ orderId, status: RESERVATION_STATUS.reserved, items: [...lines] }, ABSENT),
    ];
  }

  /** Record that the order was refused (nothing held), so a later release has nothing to give back. */
  rejectItems(orderId: string, lines: readonly StockLine[], reason: string): TransactItem[] {
    return [
      this.#putReservation(
        { orderId, status: RESERVATION_STATUS.rejected, items: [...lines], reason },
        ABSENT,
      ),
    ];
  }

  /** Give back what a reservation holds (reserved → available); with no reservation, bar a later one. */
  releaseItems(orderId: string, held: Reservation | undefined, reason: string): TransactItem[] {
    if (!held)
      return [
        this.#putReservation({ orderId, status: RESERVATION_STATUS.released, items: [], reason }, ABSENT),
      ];
    return [
      ...held.items.map(({ sku, quantity }) => this.#move(sku, quantity, 'reserved', 'available')),
      this.#putReservation(
        { ...held, status: RESERVATION_STATUS.released, reason },
        RESERVATION_STATUS.reserved,
      ),
    ];
  }

  /** The order is confirmed: what it holds is sold (reserved → sold). */
  commitItems(held: Reservation): TransactItem[] {
    return [
      ...held.items.map(({ sku, quantity }) => this.#move(sku, quantity, 'reserved', 'sold')),
      this.#putReservation({ ...held, status: RESERVATION_STATUS.committed }, RESERVATION_STATUS.reserved),
    ];
  }
}
