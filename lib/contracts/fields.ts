import * as z from 'zod/mini';

/**
 * Field schemas shared by the contracts, so one concept has one definition — and one bound. Every
 * bound comes from a limit a value meets further on (docs/aws-behaviours.md, "Limits"): a value the
 * contract accepts must never be refused by DynamoDB or Kafka later, where the refusal could only be
 * dead-lettered after work was done.
 */

import { entityId } from '@msk-patterns/pipeline';

export { entityId, ID_PATTERN, MAX_ID_LENGTH } from '@msk-patterns/pipeline';

/** The longest free text (a reason): it is kept in events, views and dead-letter headers. */
export const MAX_TEXT_LENGTH = 500;

/** Free text that must say something (a reason, a command name). */
export const text = z.string().check(z.minLength(1), z.maxLength(MAX_TEXT_LENGTH));

/**
 * The most lines an order may have: reserving stock writes one item per SKU, the reservation and the
 * idempotency marker in one `TransactWriteItems`, which takes at most 100 items
 * (packages/pipeline/src/store/idempotency.ts, MAX_TRANSACTION_ITEMS; reached in test/integration/limits.test.ts).
 */
export const MAX_ORDER_LINES = 98;

/** The most units of one line. */
export const MAX_QUANTITY = 10_000;

/** The highest unit price, in minor units. */
export const MAX_UNIT_PRICE = 1_000_000_000;

/**
 * The largest amount in minor units, an order's highest possible total: below 2^53, where JavaScript
 * numbers stop being exact.
 */
export const MAX_AMOUNT = MAX_ORDER_LINES * MAX_QUANTITY * MAX_UNIT_PRICE;

/** Money in integer minor units (cents): amounts are exact. */
export const minorUnits = z.int().check(z.nonnegative(), z.lte(MAX_AMOUNT));

/** ISO 4217 currency code. */
export const currencyCode = z.string().check(z.length(3));

/** One line of an order, priced exactly. */
export const orderLine = z.object({
  sku: entityId,
  quantity: z.int().check(z.positive(), z.lte(MAX_QUANTITY)),
  unitPrice: z.int().check(z.nonnegative(), z.lte(MAX_UNIT_PRICE)),
});

/** A quantity of one SKU held for an order: an order's lines of one SKU together. */
export const stockLine = z.object({
  sku: entityId,
  quantity: z.int().check(z.positive(), z.lte(MAX_ORDER_LINES * MAX_QUANTITY)),
});

/** The SKUs an order holds stock of: at least one. */
export const stockLines = z.array(stockLine).check(z.minLength(1), z.maxLength(MAX_ORDER_LINES));

/** An order's lines: at least one, at most {@link MAX_ORDER_LINES}. */
export const orderLines = z.array(orderLine).check(z.minLength(1), z.maxLength(MAX_ORDER_LINES));
