import * as z from 'zod/mini';

/**
 * The ids every message carries (its own, its correlation and causation ids) and every consumer keys
 * its idempotency markers with: bounded, so that a key built from one always fits DynamoDB.
 */

/** The longest entity or message id: ids are parts of DynamoDB keys (2,048 bytes at most), with room for prefixes. */
export const MAX_ID_LENGTH = 128;

/**
 * Letters, digits and `. _ : -`: no `#`, which separates the parts of internal keys (`<consumer>#<id>`,
 * `<generation>#order#<id>`), so no id can land in another's key space (an order id `X#snapshot`);
 * the query API's path parameters take the same ids.
 */
export const ID_PATTERN = /^[A-Za-z0-9._:-]+$/;

/** An entity id (order, customer, SKU) or a message id. */
export const entityId = z
  .string()
  .check(z.minLength(1), z.maxLength(MAX_ID_LENGTH), z.regex(ID_PATTERN, 'letters, digits and . _ : - only'));
