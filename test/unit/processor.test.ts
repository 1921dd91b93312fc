import {
  BatchProcessor,
  ContractRegistry,
  encodeMskEvent,
  formatTraceparent,
  type MessageHandler,
  PermanentError,
  type ProcessorOptions,
  parseTraceparent,
  TRACEPARENT_HEADER,
  TransientError,
  UNKNOWN_MESSAGE_POLICIES,
  type UnknownMessagePolicy,
} from '@msk-patterns/pipeline';
import { describe, expect, it, vi } from 'vitest';
import { contracts } from '../../lib/contracts/index.js';
import { cancelOrderV1 } from '../../lib/contracts/orders.js';
import { contextWithTime, memoryStore, placeOrderRecord, recordingPublisher } from '../support/pipeline.js';

const instantSleep = async () => {};

function setup(handle: MessageHandler, options: Partial<ProcessorOptions> = {}) {
  const store = memoryStore();
  const publisher = recordingPublisher();
  const processor = new BatchProcessor(
    { name: 'test', topics: ['orders.commands'], handle, retry: { maxAttempts: 3 }, ...options },
    { store, publisher, registry: contracts, sleep: instantSleep },
  );
  return { store, publisher, processor };
}

/** `count` records spread over `keys` keys, all on partition 0, offsets from `firstOffset`. */
function keyedEvent(count: number, keys: number, firstOffset = 0) {
  return encodeMskEvent(
    Array.from({ length: count }, (_, index) =>
      placeOrderRecord(`m-${firstOffset + index}`, {
        partition: 0,
        offset: firstOffset + index,
        key: `k${index % keys}`,
      }),
    ),
  );
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('BatchProcessor: ordering and concurrency', () => {
  it('processes the records of one key strictly in offset order while keys run concurrently', async () => {
    // Prepare
    const seen = new Map<string, number[]>();
    let running = 0;
    let mostRunning = 0;
    const { processor } = setup(
      async (_message, { record }) => {
        running++;
        mostRunning = Math.max(mostRunning, running);
        await delay(Math.random() * 3);
        seen.set(record.key ?? '', [...(seen.get(record.key ?? '') ?? []), record.offset]);
        running--;
        return {};
      },
      { concurrency: 4 },
    );

    // Act
    const report = await processor.process(keyedEvent(60, 6), contextWithTime(60_000));

    // Assess
    expect(report.response.batchItemFailures).toEqual([]);
    for (const offsets of seen.values()) expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect([...seen.values()].flat()).toHaveLength(60);
    expect(mostRunning).toBe(4);
  });

  it('stops a key group at its first failed record and reports it and the rest of the key (ReportBatchItemFailures)', async () => {
    // Prepare: key k1 has offsets 1, 4, 7; offset 4 keeps failing
    const calls: number[] = [];
    const { processor } = setup(async (_message, { record }) => {
      calls.push(record.offset);
      if (record.offset === 4) throw new TransientError('table throttled');
      return {};
    });

    // Act
    const report = await processor.process(keyedEvent(9, 3), contextWithTime(60_000));

    // Assess: partition is the "<topic>-<partition>" key, offset a number (docs/aws-behaviours.md, "Error handling")
    expect(report.response).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'orders.commands-0', offset: 4 } },
        { itemIdentifier: { partition: 'orders.commands-0', offset: 7 } },
      ],
    });
    expect(calls.filter((offset) => offset === 4)).toHaveLength(3);
    expect(calls).not.toContain(7);
    expect(report.outcomes).toMatchObject({ processed: 7, failed: 1, skipped: 1 });
    expect(report.retries).toBe(2);
  });
});

describe('BatchProcessor: decoding and running overlap', () => {
  it('hands the first keys to the handler while the rest of the batch is still being validated', async () => {
    // Prepare: count validations as the handler sees its first record
    let validated = 0;
    let validatedAtFirstCall: number | undefined;
    const registry = new (class extends ContractRegistry {
      override validate(topic: string, value: Buffer | string | undefined) {
        validated++;
        return super.validate(topic, value);
      }
    })(contracts.contracts);
    const processor = new BatchProcessor(
      {
        name: 'test',
        topics: ['orders.commands'],
        handle: async () => {
          validatedAtFirstCall ??= validated;
          return {};
        },
      },
      { store: memoryStore(), publisher: recordingPublisher(), registry, sleep: instantSleep },
    );

    // Act
    const report = await processor.process(keyedEvent(500, 50), contextWithTime(60_000));

    // Assess
    expect(report.outcomes.processed).toBe(500);
    expect(validatedAtFirstCall).toBeLessThan(250);
  });

  it('runs a partition listed out of offset order in offset order', async () => {
    // Prepare: Lambda lists a partition's records by offset; the processor does not rely on it
    const seen: number[] = [];
    const { processor } = setup(async (_message, { record }) => {
      seen.push(record.offset);
      return {};
    });
    const event = keyedEvent(6, 1);
    event.records['orders.commands-0']?.reverse();

    // Act
    await processor.process(event, contextWithTime(60_000));

    // Assess
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('reports a redelivered partition whose earlier commits cannot be read for redelivery, and processes the other partitions', async () => {
    // Prepare: the store cannot answer for partition 1's records
    const store = memoryStore();
    const handled: string[] = [];
    const processor = new BatchProcessor(
      {
        name: 'test',
        topics: ['orders.commands'],
        handle: async (_message, { record }) => {
          handled.push(record.partitionKey);
          return {};
        },
        retry: { maxAttempts: 2 },
      },
      {
        store: {
          ...store,
          existing: async (keys) => {
            if (keys.some((key) => key.includes('p1-'))) throw new TransientError('throttled');
            return store.existing(keys);
          },
        },
        publisher: recordingPublisher(),
        registry: contracts,
        sleep: instantSleep,
      },
    );
    const event = encodeMskEvent(
      [0, 1].flatMap((partition) =>
        [0, 1].map((offset) => placeOrderRecord(`p${partition}-${offset}`, { partition, offset, key: 'k' })),
      ),
    );

    // Act
    const report = await processor.process(event, contextWithTime(60_000));

    // Assess
    expect(handled).toEqual(['orders.commands-0', 'orders.commands-0']);
    expect(report.response.batchItemFailures).toEqual([
      { itemIdentifier: { partition: 'orders.commands-1', offset: 0 } },
      { itemIdentifier: { partition: 'orders.commands-1', offset: 1 } },
    ]);
  });
});

describe('BatchProcessor: permanent errors go to the dead-letter topic, never block the partition', () => {
  it('dead-letters a record that breaks its contract without calling the handler', async () => {
    // Prepare
    const handled: number[] = [];
    const { processor, publisher } = setup(async (_message, { record }) => {
      handled.push(record.offset);
      return {};
    });
    const event = encodeMskEvent([
      placeOrderRecord('m-0', { partition: 0, offset: 0, key: 'k' }),
      {
        topic: 'orders.commands',
        partition: 0,
        offset: 1,
        key: 'k',
        value: '{"id":"x","type":"PlaceOrder"}',
      },
      placeOrderRecord('m-2', { partition: 0, offset: 2, key: 'k' }),
    ]);

    // Act
    const report = await processor.process(event, contextWithTime(60_000));

    // Assess
    expect(report.response.batchItemFailures).toEqual([]);
    expect(handled).toEqual([0, 2]);
    expect(publisher.sent).toHaveLength(1);
    const [deadLetter] = publisher.sent;
    expect(deadLetter?.topic).toBe('orders.commands.dlq');
    expect(deadLetter?.key).toEqual(Buffer.from('k'));
    expect(deadLetter?.headers).toMatchObject({
      'dlq-source-topic': 'orders.commands',
      'dlq-source-partition': '0',
      'dlq-source-offset': '1',
      'dlq-error-class': 'ContractViolationError',
    });
    const value = JSON.parse(deadLetter?.value ?? '{}');
    expect(value.payload.records['orders.commands-0'][0].offset).toBe(1);
    expect(value.KafkaBatchInfo.recordInfo.offset).toBe('1');
  });

  it('dead-letters a record whose handler fails permanently and carries on with the key', async () => {
    const { processor, publisher } = setup(async (_message, { record }) => {
      if (record.offset === 0) throw new PermanentError('order total exceeds the credit limit');
      return {};
    });

    const report = await processor.process(keyedEvent(2, 1), contextWithTime(60_000));

    expect(report.outcomes).toMatchObject({ 'dead-lettered': 1, processed: 1 });
    expect(publisher.sent.map((record) => record.headers['dlq-error-message'])).toEqual([
      'order total exceeds the credit limit',
    ]);
  });

  it('dead-letters a record the codec cannot decode, naming where it was', async () => {
    const { processor, publisher } = setup(async () => ({}));
    const event = keyedEvent(1, 1) as unknown as { records: Record<string, unknown[]> };
    event.records['orders.commands-0']?.push({
      topic: 'orders.commands',
      partition: 0,
      offset: 1,
      value: '!!',
    });

    const report = await processor.process(event, contextWithTime(60_000));

    expect(report.response.batchItemFailures).toEqual([]);
    expect(publisher.sent[0]?.headers['dlq-error-class']).toBe('MalformedRecordError');
    expect(publisher.sent[0]?.headers['dlq-error-message']).toMatch(/^record orders\.commands-0\[1\]/);
  });
});

/** A decision publishing one OrderConfirmed for `orderId`, keyed `k0`. */
const orderConfirmed = (orderId: string) => ({
  messages: [{ topic: 'orders.events', key: 'k0', type: 'OrderConfirmed', version: 1, data: { orderId } }],
});

describe('BatchProcessor: idempotency and the outbox', () => {
  it('publishes the messages a handler decides, wrapped in envelopes with stable ids', async () => {
    const confirm = async (message: { id: string }) => orderConfirmed(message.id);
    const { processor, publisher } = setup(confirm);

    await processor.process(keyedEvent(1, 1), contextWithTime(60_000));
    const first = publisher.sent.map((record) => JSON.parse(record.value).id);
    const again = setup(confirm);
    await again.processor.process(keyedEvent(1, 1), contextWithTime(60_000));

    expect(publisher.sent[0]).toMatchObject({ topic: 'orders.events', key: 'k0' });
    expect(JSON.parse(publisher.sent[0]?.value ?? '{}')).toMatchObject({
      causationId: 'm-0',
      type: 'OrderConfirmed',
      data: { orderId: 'm-0' },
    });
    expect(again.publisher.sent.map((record) => JSON.parse(record.value).id)).toEqual(first);
  });

  it('gives the handler the span it processes the record in: the parent of what it publishes, the same on a redelivery', async () => {
    // Prepare: a handler that keeps its span and publishes one event
    const seen: string[] = [];
    const confirm: MessageHandler = (message, { span }) => {
      seen.push(formatTraceparent(span()), formatTraceparent(span()));
      return orderConfirmed(message.id);
    };
    const { processor, publisher } = setup(confirm);
    const again = setup(confirm);

    // Act: the same record, to two processors (a redelivery decided again)
    await processor.process(keyedEvent(1, 1), contextWithTime(60_000));
    await again.processor.process(keyedEvent(1, 1), contextWithTime(60_000));

    // Assess: one span each call and each delivery; the published record's parent is that span
    expect(new Set(seen).size).toBe(1);
    const span = parseTraceparent(seen[0]);
    const published = parseTraceparent(String(publisher.sent[0]?.headers?.[TRACEPARENT_HEADER] ?? ''));
    expect(published?.traceId).toBe(span?.traceId);
    expect(published?.spanId).toBe(span?.spanId);
  });

  it('dead-letters the record whose handler would publish an event that breaks its contract, and writes nothing', async () => {
    // Prepare: a handler bug — OrderConfirmed without its orderId
    const { processor, publisher, store } = setup(async () => ({
      writes: [],
      messages: [
        { topic: 'orders.events', key: 'k0', type: 'OrderConfirmed', version: 1, data: { order: 'o-1' } },
      ],
    }));

    // Act
    const report = await processor.process(keyedEvent(1, 1), contextWithTime(60_000));

    // Assess: only the dead letter is published, naming the broken event; no marker was committed
    expect(report.outcomes).toMatchObject({ 'dead-lettered': 1, processed: 0 });
    expect(publisher.sent.map((record) => record.topic)).toEqual(['orders.commands.dlq']);
    expect(publisher.sent[0]?.headers['dlq-error-message']).toMatch(
      /^the message this record produces for orders\.events breaks its contract: OrderConfirmed v1 is invalid/,
    );
    expect(store.calls).not.toContain('commit');
  });

  it('reads markers before a redelivered batch and skips duplicates without calling the handler', async () => {
    // Prepare: a first delivery, then the mapping redelivers the same batch
    let handlerCalls = 0;
    const { processor, store, publisher } = setup(async () => {
      handlerCalls++;
      return {
        messages: [{ topic: 'inventory.commands', key: 'k', type: 'ReleaseStock', version: 1, data: {} }],
      };
    });
    await processor.process(keyedEvent(4, 2), contextWithTime(60_000));
    store.calls.length = 0;

    // Act
    const report = await processor.process(keyedEvent(4, 2), contextWithTime(60_000));

    // Assess: 0 handler calls, stored messages republished
    expect(handlerCalls).toBe(4);
    expect(report.outcomes).toMatchObject({ duplicate: 4, processed: 0 });
    expect(store.calls[0]).toBe('existing');
    expect(publisher.sent).toHaveLength(8);
  });

  it('republishes a duplicate’s stored messages once: after a confirmed republish, further copies publish nothing (found by npm run chaos)', async () => {
    // Prepare: one delivery that committed and published
    const { processor, store, publisher } = setup(async () => ({
      messages: [{ topic: 'inventory.commands', key: 'k', type: 'ReleaseStock', version: 1, data: {} }],
    }));
    await processor.process(keyedEvent(2, 2), contextWithTime(60_000));

    // Act: the same batch delivered twice more (a lost commit, a replaying poller)
    const second = await processor.process(keyedEvent(2, 2), contextWithTime(60_000));
    const third = await processor.process(keyedEvent(2, 2), contextWithTime(60_000));

    // Assess: 2 first publishes + 2 republishes (the first copy cannot know the first publish happened), then none
    expect(second.outcomes).toMatchObject({ duplicate: 2 });
    expect(third.outcomes).toMatchObject({ duplicate: 2 });
    expect(publisher.sent).toHaveLength(4);
    expect(store.calls.filter((call) => call === 'markRepublished')).toHaveLength(1);
  });

  it('still runs the handler when a marker seen by the pre-read is gone by the time the record is processed', async () => {
    // Prepare: the pre-read reports a marker that then expires (TTL) before the record's turn
    let handlerCalls = 0;
    const { processor, store } = setup(async () => {
      handlerCalls++;
      return {};
    });
    store.existing = async (keys) => new Set(keys);

    // Act
    const report = await processor.process(keyedEvent(1, 1), contextWithTime(60_000));

    // Assess: never a marker without its effect
    expect(handlerCalls).toBe(1);
    expect(report.outcomes).toMatchObject({ processed: 1 });
  });

  it('does not read markers for a batch that continues where the last one ended', async () => {
    const { processor, store } = setup(async () => ({}));
    await processor.process(keyedEvent(4, 2, 0), contextWithTime(60_000));
    store.calls.length = 0;

    await processor.process(keyedEvent(4, 2, 4), contextWithTime(60_000));

    expect(store.calls).toEqual(['commit', 'commit', 'commit', 'commit']);
  });

  it('fails the records whose messages could not be published, so that they are redelivered and republished', async () => {
    const { processor, publisher } = setup(async () => ({
      messages: [{ topic: 'orders.events', key: 'k', type: 'OrderPlaced', version: 1, data: {} }],
    }));
    publisher.failNext = 10;

    const report = await processor.process(keyedEvent(2, 2), contextWithTime(60_000));

    expect(report.response.batchItemFailures.map((failure) => failure.itemIdentifier.offset)).toEqual([0, 1]);
  });
});

describe('BatchProcessor: the first connect overlaps the batch', () => {
  const confirmed = (orderId: string) => ({
    messages: [
      { topic: 'orders.events', key: orderId, type: 'OrderConfirmed', version: 1, data: { orderId } },
    ],
  });

  it('asks the publisher to connect once, as soon as a record will publish, while other keys still run', async () => {
    // Prepare: k0 decides at once and publishes; k1 and k2 wait for the gate.
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const { processor, publisher } = setup(async (_message, { record }) => {
      if (record.key !== 'k0') await gate;
      return confirmed(record.key ?? '');
    });

    // Act
    const processing = processor.process(keyedEvent(3, 3), contextWithTime(60_000));
    await vi.waitFor(() => expect(publisher.connects).toBe(1));
    const sentBeforeTheGate = publisher.sent.length;
    openGate();
    const report = await processing;

    // Assess: connected while k1 and k2 were still running, once for the batch; published at its end.
    expect(sentBeforeTheGate).toBe(0);
    expect(publisher.connects).toBe(1);
    expect(publisher.sent).toHaveLength(3);
    expect(report.response.batchItemFailures).toEqual([]);
  });

  it('leaves a failed early connect to the publish, which succeeds on its own', async () => {
    const { processor, publisher } = setup(async (_message, { record }) => confirmed(record.key ?? ''));
    publisher.failConnect = true;

    const report = await processor.process(keyedEvent(2, 2), contextWithTime(60_000));

    expect(publisher.connects).toBe(1);
    expect(publisher.sent).toHaveLength(2);
    expect(report.response.batchItemFailures).toEqual([]);
  });

  it('does not connect for a batch that publishes nothing', async () => {
    const { processor, publisher } = setup(async () => ({}));

    await processor.process(keyedEvent(4, 2), contextWithTime(60_000));

    expect(publisher.connects).toBe(0);
  });
});

describe('BatchProcessor: time budget', () => {
  it('starts no record when the invocation has no time left beyond the safety margin', async () => {
    let handlerCalls = 0;
    const { processor } = setup(
      async () => {
        handlerCalls++;
        return {};
      },
      { safetyMarginMs: 1_000 },
    );

    const report = await processor.process(keyedEvent(3, 3), contextWithTime(900));

    expect(handlerCalls).toBe(0);
    expect(report.response.batchItemFailures).toHaveLength(3);
  });
});

describe('BatchProcessor: messages of contracts the consumer does not handle', () => {
  /** A consumer that handles only CancelOrder, fed PlaceOrder records (valid, but not its business). */
  function cancelOnly(onUnknown?: UnknownMessagePolicy) {
    const handled: string[] = [];
    const { processor, publisher } = setup(
      async (message) => {
        handled.push(message.type);
        return {};
      },
      { accepts: [cancelOrderV1], ...(onUnknown ? { onUnknown } : {}) },
    );
    return { processor, publisher, handled };
  }

  it('dead-letters them by default, naming the type and the consumer (a command nobody here acts on)', async () => {
    const { processor, publisher, handled } = cancelOnly();

    const report = await processor.process(keyedEvent(2, 2), contextWithTime(60_000));

    expect(handled).toEqual([]);
    expect(report.outcomes['dead-lettered']).toBe(2);
    expect(report.response.batchItemFailures).toEqual([]);
    expect(publisher.sent.map((record) => record.topic)).toEqual([
      'orders.commands.dlq',
      'orders.commands.dlq',
    ]);
    expect(report.records[0]?.error?.message).toBe('PlaceOrder v1 on orders.commands is not handled by test');
  });

  it('ignores them when the consumer says so (an event consumer: others may add events to its topics)', async () => {
    const { processor, publisher, handled } = cancelOnly(UNKNOWN_MESSAGE_POLICIES.ignore);

    const report = await processor.process(keyedEvent(2, 2), contextWithTime(60_000));

    expect(handled).toEqual([]);
    expect(report.outcomes.ignored).toBe(2);
    expect(report.response.batchItemFailures).toEqual([]);
    expect(publisher.sent).toEqual([]);
  });
});

describe('BatchProcessor: dead letters keep the record’s bytes', () => {
  it('keys its own dead letter with the original key bytes, even when they are not UTF-8', async () => {
    // Prepare: a record whose key is not UTF-8 and whose value breaks the contract.
    const key = Buffer.from([0xff, 0x10, 0x00, 0x62, 0x80]);
    const { processor, publisher } = setup(async () => ({}));
    const event = encodeMskEvent([
      { topic: 'orders.commands', partition: 0, offset: 7, key, value: '{"not":"an envelope"}' },
    ]);

    // Act
    const report = await processor.process(event, contextWithTime(60_000));

    // Assess
    expect(report.outcomes['dead-lettered']).toBe(1);
    const [letter] = publisher.sent;
    expect(letter?.topic).toBe('orders.commands.dlq');
    expect(Buffer.isBuffer(letter?.key) && letter.key.equals(key)).toBe(true);
  });
});

describe('BatchProcessor: one dead letter per record, and the invocation’s time', () => {
  it('writes a poison record’s dead letter once when its batch is delivered again (a later record of another key failed)', async () => {
    // Prepare: offset 0 is not JSON (dead-lettered), offset 1 fails the first time (the batch comes again)
    let failures = 1;
    const { store, publisher, processor } = setup(
      () => {
        if (failures-- > 0) throw new TransientError('throttled');
        return {};
      },
      { retry: { maxAttempts: 1 } },
    );
    const event = encodeMskEvent([
      { topic: 'orders.commands', partition: 0, offset: 0, key: 'poison', value: 'not json' },
      placeOrderRecord('m-1', { partition: 0, offset: 1, key: 'k' }),
    ]);
    const first = await processor.process(event, contextWithTime(60_000));

    // Act: the mapping redelivers from the failed record's partition — the poison record with it
    const again = await processor.process(event, contextWithTime(60_000));

    // Assess: one letter on the topic; the second delivery counts the poison record as a duplicate
    expect(first.records.map((record) => record.outcome)).toEqual(['dead-lettered', 'failed']);
    expect(again.records.map((record) => record.outcome)).toEqual(['duplicate', 'processed']);
    expect(publisher.sent.filter((record) => record.topic === 'orders.commands.dlq')).toHaveLength(1);
    expect(store.calls.filter((call) => call === 'lettersWritten')).toHaveLength(2);
  });

  it('asks nothing more of the store for a batch without dead letters', async () => {
    const { store, processor } = setup(() => ({}));
    await processor.process(keyedEvent(10, 3), contextWithTime(60_000));
    expect(store.calls.filter((call) => call.toLowerCase().includes('letter'))).toEqual([]);
  });

  it('answers with a partial batch response before the invocation ends when a DynamoDB call never answers', async () => {
    // Prepare: the commit of key k0 hangs (a request without a timeout); 1.5 s left, 300 ms margin
    const { store, processor } = setup(() => ({}), { safetyMarginMs: 300 });
    const commit = store.commit.bind(store);
    store.commit = (key, ...rest) => (key.endsWith('#m-0') ? new Promise(() => {}) : commit(key, ...rest));
    const end = Date.now() + 1_500;

    // Act
    const report = await processor.process(
      keyedEvent(4, 2),
      contextWithTime(() => end - Date.now()),
    );

    // Assess: answered in time; k0's records wait for the redelivery, k1's are done
    expect(Date.now()).toBeLessThan(end);
    expect(report.response.batchItemFailures.map((failure) => failure.itemIdentifier.offset)).toEqual([0, 2]);
    expect(report.records.map((record) => record.outcome)).toEqual([
      'failed',
      'processed',
      'skipped',
      'processed',
    ]);
    expect(report.records[0]?.error?.name).toBe('TimeBudgetExceededError');
  });

  it('fails the records that publish, in time, when the broker never answers', async () => {
    // Prepare
    const { publisher, processor } = setup(
      (message) => ({
        messages: [
          {
            topic: 'orders.events',
            key: 'k',
            type: 'OrderConfirmed',
            version: 1,
            data: { orderId: message.id },
          },
        ],
      }),
      { safetyMarginMs: 300 },
    );
    publisher.publish = () => new Promise(() => {});
    const end = Date.now() + 1_500;

    // Act
    const report = await processor.process(
      keyedEvent(3, 3),
      contextWithTime(() => end - Date.now()),
    );

    // Assess
    expect(Date.now()).toBeLessThan(end);
    expect(report.response.batchItemFailures).toHaveLength(3);
    expect(report.records[0]?.error?.name).toBe('TimeBudgetExceededError');
  });
});
