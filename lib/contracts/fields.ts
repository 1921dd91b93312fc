import * as z from 'zod/mini';

/** Field schemas shared by the order contracts, so one concept has one definition. */

/** Money in integer minor units (cents): amounts are exact. */
export const minorUnits = z.int().check(z.nonnegative());

/** An entity id (order, customer, SKU): any non-empty string. */
export const entityId = z.string().check(z.minLength(1));

/** Free text that must say something (a reason, a command name). */
export const text = z.string().check(z.minLength(1));

/** ISO 4217 currency code. */
export const currencyCode = z.string().check(z.length(3));

/** One line of an order, priced exactly. */
export const orderLine = z.object({
  sku: entityId,
  quantity: z.int().check(z.positive()),
  unitPrice: minorUnits,
});
