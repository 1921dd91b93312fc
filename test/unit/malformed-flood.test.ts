import { BatchProcessor, encodeMskRecord, type MskEvent, type MskRecord } from '@msk-patterns/pipeline';
import { describe, expect, it } from 'vitest';
import { contracts } from '../../lib/contracts/index.js';
import {
  contextWithTime,
  envelopeJson,
  memoryStore,
  placeOrderRecord,
  recordingPublisher,
} from '../support/pipeline.js';

/**
 * A flood of malformed records interleaved with good ones through one consumer, in batches as a
 * mapping delivers them (BatchSize 100, one partition). The core's logic only: an in-memory stand-in
 * for the idempotency table and a recording publisher (the integration tests cover the real ones).
 */
const BAD = 10_000;
const GOOD = 1_000;
const BATCH = 100;

/** Ten kinds of bad record, each with the reason it must be dead-lettered for. */
const BAD_KINDS: Array<{ reason: RegExp; record: (offset: number) => unknown }> = [
  { reason: /is not an MSK record/, record: (offset) => ({ ...base(offset), value: '%%%not base64%%%' }) },
  { reason: /is not an MSK record/, record: (offset) => ({ ...base(offset), headers: [{ h: [999] }] }) },
  { reason: /is not an MSK record/, record: () => 'not even an object' },
  { reason: /value is not JSON/, record: (offset) => ({ ...base(offset), value: b64('{"unterminated') }) },
  {
    reason: /not a message envelope/,
    record: (offset) => ({ ...base(offset), value: b64('{"hello":"world"}') }),
  },
  {
    reason: /PlaceOrder v1 is invalid/,
    record: (offset) => ({ ...base(offset), value: envelope({ orderId: '' }) }),
  },
  {
    reason: /is not a message of topic/,
    record: (offset) => ({ ...base(offset), value: envelope({}, 'Shipped') }),
  },
  {
    reason: /PlaceOrder v1 is invalid/,
    record: (offset) => ({
      ...base(offset),
      value: b64(`{"__proto__":{"admin":true},${envelopeJson({}).slice(1)}`),
    }),
  },
  { reason: /tombstone/, record: (offset) => ({ ...base(offset), value: null }) },
  {
    // refused on its size before it is parsed (MAX_MESSAGE_BYTES)
    reason: /value is 262144 bytes; a message on orders\.commands takes at most 65536/,
    record: (offset) => ({ ...base(offset), value: b64('x'.repeat(256 * 1024)) }),
  },
];

/** The kind that is not even an object: it has no offset to name. */
const NO_OFFSET = 2;

const b64 = (text: string) => Buffer.from(text).toString('base64');
const base = (offset: number): MskRecord =>
  encodeMskRecord({ topic: 'orders.commands', partition: 0, offset, key: `bad-${offset}`, value: 'x' });
const envelope = (data: unknown, type?: string) => b64(envelopeJson(data, type));

describe('a malformed flood through one consumer', () => {
  it('dead-letters every bad record once with its reason and processes every good one exactly once, in bounded work', async () => {
    // Prepare: every 11th record is good, the rest cycle through the bad kinds.
    const records: unknown[] = [];
    const kindAt = new Map<number, number>();
    const goodIds = new Set<string>();
    for (let offset = 0; offset < BAD + GOOD; offset++) {
      if (offset % 11 === 10) {
        const id = `good-${offset}`;
        goodIds.add(id);
        records.push(
          encodeMskRecord(placeOrderRecord(id, { partition: 0, offset, key: `k-${offset % 50}` })),
        );
      } else {
        const kind = offset % BAD_KINDS.length;
        kindAt.set(offset, kind);
        records.push(BAD_KINDS[kind]?.record(offset));
      }
    }
    const handled: string[] = [];
    const store = memoryStore();
    const publisher = recordingPublisher();
    const processor = new BatchProcessor(
      {
        name: 'flood',
        topics: ['orders.commands'],
        handle: (message) => {
          handled.push(message.id);
          return {};
        },
      },
      { store, publisher, registry: contracts, sleep: async () => {} },
    );

    // Act
    const started = performance.now();
    let failures = 0;
    for (let start = 0; start < records.length; start += BATCH) {
      const event: MskEvent = {
        eventSource: 'aws:kafka',
        bootstrapServers: 'b:1',
        records: { 'orders.commands-0': records.slice(start, start + BATCH) as MskRecord[] },
      };
      const report = await processor.process(event, contextWithTime(60_000));
      failures += report.response.batchItemFailures.length;
    }
    const seconds = (performance.now() - started) / 1000;

    // Assess
    const letters = publisher.sent.filter((record) => record.topic === 'orders.commands.dlq');
    expect(failures).toBe(0);
    expect(handled.sort()).toEqual([...goodIds].sort());
    // Bounded work: a commit per good record, and per batch at most a marker lookup, a dead-letter
    // lookup and its confirmation, and one publish
    const batches = Math.ceil(records.length / BATCH);
    expect(store.calls.filter((call) => call === 'commit')).toHaveLength(GOOD);
    expect(store.calls.length).toBeLessThanOrEqual(GOOD + 3 * batches);
    expect(letters).toHaveLength(BAD);
    // A letter names its source offset, except for an entry so broken it has none (reported as such).
    const located = letters.filter((letter) => letter.headers['dlq-source-offset'] !== '');
    const byOffset = new Map(located.map((letter) => [Number(letter.headers['dlq-source-offset']), letter]));
    const unlocated = [...kindAt.values()].filter((kind) => kind === NO_OFFSET).length;
    expect(letters.length - located.length).toBe(unlocated);
    for (const [offset, kind] of kindAt) {
      if (kind === NO_OFFSET) continue;
      const letter = byOffset.get(offset);
      expect(String(letter?.headers['dlq-error-message']), `offset ${offset}`).toMatch(
        BAD_KINDS[kind]?.reason ?? /./,
      );
    }
    // A `__proto__` key in a value is data, never a prototype change.
    expect(Object.prototype).not.toHaveProperty('admin');
    console.log(
      `malformed flood: ${BAD} bad + ${GOOD} good records in ${seconds.toFixed(2)} s (${Math.round((BAD + GOOD) / seconds)} records/s)`,
    );
  }, 60_000);
});
