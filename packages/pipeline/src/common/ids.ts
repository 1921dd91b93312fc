import { createHash, hash } from 'node:crypto';

/**
 * A UUID-shaped id derived from `seed`: the same input always yields the same id.
 *
 * @param seed - what the id is derived from
 * @example
 * ```ts
 * stableId(`deadline:${orderId}:${sagaVersion}`); // a UUID-shaped id (version 5 layout), the same for the same seed
 * ```
 */
export function stableId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((Number.parseInt(hex[16] ?? '0', 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * SHA-256 of a record value; the one-shot `hash` is about twice as fast as a Hash object.
 *
 * @param value - a record's value
 * @example
 * ```ts
 * payloadHash(record.value); // a SHA-256 of the bytes: the same id with other bytes is told apart
 * ```
 */
export function payloadHash(value: Buffer | undefined): string {
  return hash('sha256', value ?? EMPTY, 'base64');
}

const EMPTY = Buffer.alloc(0);
