import * as z from 'zod';

/** Field schemas shared by the order contracts, so one concept has one definition. */

/** Money in integer minor units (cents): amounts are exact. */
export const minorUnits = z.int().nonnegative();

/** An entity id (order, customer, SKU): any non-empty string. */
export const entityId = z.string().min(1);

/** Free text that must say something (a reason, a command name). */
export const text = z.string().min(1);

/** ISO 4217 currency code. */
export const currencyCode = z.string().length(3);

/** One line of an order, priced exactly. */
export const orderLine = z.object({ sku: entityId, quantity: z.int().positive(), unitPrice: minorUnits });
