import {
  type ClaimResult,
  type CommitResult,
  envelopeFor,
  type IdempotencyBackend,
  type OutgoingRecord,
  type Publisher,
  type RecordInput,
  recordFor,
} from '@msk-patterns/pipeline';
import type { Context } from 'aws-lambda';
import { placeOrderV1 } from '../../lib/contracts/orders.js';

/** A plain in-memory stand-in for the idempotency store, for unit tests of the processor only. */
export function memoryStore(): IdempotencyBackend & {
  markers: Map<string, { hash: string; outbox: OutgoingRecord[]; republished?: boolean }>;
  calls: string[];
} {
  const markers = new Map<string, { hash: string; outbox: OutgoingRecord[]; republished?: boolean }>();
  const stored = (old: { outbox: OutgoingRecord[]; republished?: boolean }) =>
    old.republished ? [] : old.outbox;
  const calls: string[] = [];
  const letters = new Set<string>();
  return {
    markers,
    calls,
    async existing(keys) {
      calls.push('existing');
      return new Set(keys.filter((key) => markers.has(key)));
    },
    async find(key) {
      calls.push('find');
      const old = markers.get(key);
      return old ? { status: 'duplicate', outbox: stored(old) } : undefined;
    },
    async commit(key, hash, _writes, outbox): Promise<CommitResult> {
      calls.push('commit');
      const old = markers.get(key);
      if (old) return { status: 'duplicate', outbox: stored(old) };
      markers.set(key, { hash, outbox });
      return { status: 'committed' };
    },
    async claim(key): Promise<ClaimResult> {
      calls.push('claim');
      const old = markers.get(key);
      return old ? { status: 'duplicate', outbox: stored(old) } : { status: 'claimed', token: 't' };
    },
    async complete(key, _token, _writes, outbox) {
      calls.push('complete');
      markers.set(key, { hash: '', outbox });
    },
    async release() {
      calls.push('release');
    },
    async lettersWritten(keys) {
      calls.push('lettersWritten');
      return new Set(keys.filter((key) => letters.has(key)));
    },
    async markLettersWritten(keys) {
      calls.push('markLettersWritten');
      for (const key of keys) letters.add(key);
    },
    async markRepublished(keys) {
      calls.push('markRepublished');
      for (const key of keys) {
        const old = markers.get(key);
        if (old) old.republished = true;
      }
    },
  };
}

/** A publisher that records what it was given, and can be told to fail. */
export function recordingPublisher(): Publisher & {
  sent: OutgoingRecord[];
  failNext: number;
  connects: number;
  failConnect: boolean;
} {
  const publisher = {
    sent: [] as OutgoingRecord[],
    failNext: 0,
    connects: 0,
    failConnect: false,
    async connect() {
      publisher.connects++;
      if (publisher.failConnect)
        throw Object.assign(new Error('broker unavailable'), { code: 'ECONNREFUSED' });
    },
    async publish(records: readonly OutgoingRecord[]) {
      if (publisher.failNext > 0) {
        publisher.failNext--;
        throw Object.assign(new Error('broker unavailable'), { code: 'ECONNREFUSED' });
      }
      publisher.sent.push(...records);
    },
  };
  return publisher;
}

/** A Lambda context with a fixed amount of time left (or a function of time). */
export function contextWithTime(remainingMs: number | (() => number)): Context {
  const remaining = typeof remainingMs === 'number' ? () => remainingMs : remainingMs;
  return {
    awsRequestId: 'request-1',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:test',
    functionName: 'test',
    getRemainingTimeInMillis: remaining,
  } as Context;
}

/** A valid PlaceOrder command with message id `id` for one order. */
export function placeOrderCommand(id: string, orderId: string) {
  return envelopeFor(
    placeOrderV1,
    {
      orderId,
      customerId: 'c-1',
      currency: 'EUR',
      items: [{ sku: 'sku-1', quantity: 1, unitPrice: 100 }],
    },
    { id },
  );
}

/** A valid PlaceOrder record on orders.commands, keyed by its order. */
export function placeOrderRecord(
  id: string,
  placement: { partition: number; offset: number; key: string },
): RecordInput {
  return recordFor('orders.commands', placeOrderCommand(id, placement.key), placement);
}

/** A label made unique, so that tests sharing one DynamoDB Local and one broker never collide. */
export const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;

/**
 * The JSON of a message envelope whose data is whatever the test gives (no contract applied): the
 * raw material of contract violations in the malformed floods.
 */
export function envelopeJson(data: unknown, type = 'PlaceOrder'): string {
  return JSON.stringify({
    id: unique('bad'),
    type,
    version: 1,
    occurredAt: new Date().toISOString(),
    correlationId: 'c',
    causationId: null,
    data,
  });
}
