import { loadServerlessConfig } from '@msk-patterns/emulator';
import {
  accessOf,
  type ConsumerExpectation,
  type ContractRegistry,
  containerContext,
  dataSchema,
  decodeMskEvent,
  encodeMskEvent,
  envelopeFor,
  exampleFromSchema,
  type OutgoingRecord,
  type ProducerDeclaration,
} from '@msk-patterns/pipeline';
import { handlerExport } from '@msk-patterns/serverless-plugin';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { sweepDeadlines } from '../../functions/saga/deadlines.js';
import { sagaStore } from '../../functions/saga/store.js';
import { contracts } from '../../lib/contracts/index.js';
import { orderPlacedV2 } from '../../lib/contracts/order-events.js';
import { orderCommandSenders } from '../../lib/contracts/orders.js';
import { importServiceModule } from '../../local/service.js';
import { unique } from '../support/pipeline.js';
import { cancel, LIMIT, place, provider, stocked } from '../support/saga.js';
import { SagaBus } from '../support/saga-bus.js';

/** Every function's producer declarations, and what each MSK-triggered one expects. */
async function participants() {
  const expectations: ConsumerExpectation[] = [];
  const producers: ProducerDeclaration[] = [orderCommandSenders];
  const undeclared: string[] = [];
  /** consumer → topic → the message types its handler receives (from its `accepts`) */
  const handled = new Map<string, Map<string, Set<string>>>();
  for (const [name, fn] of Object.entries(loadServerlessConfig().functions)) {
    const module = (await importServiceModule(fn.handler)) as Record<string, unknown> & {
      expectations?: ConsumerExpectation[];
      produces?: ProducerDeclaration[];
    };
    // Any function may produce (the scheduled deadline sweep does); MSK-triggered ones also consume.
    producers.push(...(module.produces ?? []));
    if (!(fn.events ?? []).some((event) => 'msk' in event)) continue;
    if (!module.expectations) undeclared.push(name);
    expectations.push(...(module.expectations ?? []));
    const byTopic = new Map<string, Set<string>>();
    for (const { topic, type } of accessOf(handlerExport(module, fn.handler))?.handles ?? [])
      byTopic.set(topic, (byTopic.get(topic) ?? new Set()).add(type));
    handled.set(name, byTopic);
  }
  return { expectations, producers, undeclared, handled };
}

/** A record as the consumer's mapping would deliver it: through the MSK codec, then the registry. */
function delivered(record: OutgoingRecord, registry: ContractRegistry) {
  const [decoded] = decodeMskEvent(
    encodeMskEvent([
      {
        topic: record.topic,
        partition: 0,
        offset: 1,
        key: record.key ?? undefined,
        value: record.value,
        headers: record.headers,
      },
    ]),
  ).records;
  return { decoded, message: registry.validate(record.topic, decoded?.value) };
}

/**
 * Run the records a producer really wrote through the consumer's real decoding path — the MSK codec,
 * the contract registry — then the consumer's own expectation: its fields, the key it orders by, the
 * headers it reads. Returns what breaks, naming consumer, producer, message and field.
 */
function verify(
  expectation: ConsumerExpectation,
  producerOf: (topic: string, type: string) => string,
  records: readonly OutgoingRecord[],
  registry: ContractRegistry = contracts,
): string[] {
  const failures: string[] = [];
  for (const record of records.filter((candidate) => candidate.topic === expectation.topic)) {
    const { decoded, message } = delivered(record, registry);
    const schema = expectation.messages[message.type];
    if (!schema) continue;
    const label = `${expectation.consumer} ← ${producerOf(record.topic, message.type)}: ${message.type} v${message.version} (${decoded?.key})`;
    const read = z.safeParse(schema, message.data);
    for (const issue of read.error?.issues ?? [])
      failures.push(`${label}: data.${issue.path.join('.')}: ${issue.message}`);
    if (expectation.key && decoded?.key !== expectation.key(message.data as Record<string, unknown>))
      failures.push(`${label}: key ${decoded?.key} is not the one the consumer orders by`);
    for (const [name, header] of Object.entries(expectation.headers ?? {}))
      if (!z.safeParse(header, decoded?.headers[name]).success)
        failures.push(
          `${label}: header ${name} = ${JSON.stringify(decoded?.headers[name])} does not satisfy the consumer`,
        );
  }
  return failures;
}

/**
 * The contract's whole range, beyond what the functions happen to write: examples generated from the
 * producer's contract with every optional field left out (minimal) and set (full), read by the consumer.
 * Values only: a key and headers come from real records (see {@link verify}).
 */
function verifyExamples(expectation: ConsumerExpectation, producer: ProducerDeclaration): string[] {
  const failures: string[] = [];
  for (const type of producer.types.filter((candidate) => candidate in expectation.messages)) {
    const contract = contracts.latest(producer.topic, type);
    const label = `${expectation.consumer} ← ${producer.producer}: ${type}`;
    if (!contract) {
      failures.push(`${label}: no contract for it on ${producer.topic}`);
      continue;
    }
    for (const mode of ['minimal', 'full'] as const) {
      const data = z.parse(contract.data, exampleFromSchema(dataSchema(contract), mode));
      const read = z.safeParse(
        expectation.messages[type] as NonNullable<ConsumerExpectation['messages'][string]>,
        data,
      );
      for (const issue of read.error?.issues ?? [])
        failures.push(
          `${label} v${contract.version} (${mode}): data.${issue.path.join('.')}: ${issue.message}`,
        );
    }
  }
  return failures;
}

/**
 * What the functions really publish: the saga's four functions with their real pipeline options on
 * DynamoDB Local (test/support/saga-bus.ts: the bus is their publisher and records every record), and
 * the deadline sweep, driven so that every message type they declare is written at least once.
 */
async function publishedByTheFunctions(): Promise<OutgoingRecord[]> {
  const ledger = provider();
  const [sku] = await stocked({ [unique('contract-sku')]: 10 });
  const item = (unitPrice: number, onShelf = sku ?? '') => [{ sku: onShelf, quantity: 1, unitPrice }];
  const bus = new SagaBus({ provider: ledger });
  const [confirmed, declined, unstocked, unknown, refunded, overdue] = [
    'confirmed',
    'declined',
    'unstocked',
    'unknown',
    'refunded',
    'overdue',
  ].map((label) => unique(`contract-${label}`)) as [string, string, string, string, string, string];
  bus.send('orders.commands', place(confirmed, item(100)));
  bus.send('orders.commands', place(declined, item(LIMIT + 1)));
  bus.send('orders.commands', place(unstocked, item(100, unique('contract-no-stock'))));
  bus.send('orders.commands', cancel(unknown));
  await bus.drain();
  // Charged, then cancelled by its customer before the saga's ConfirmOrder lands: a refund.
  bus.send('orders.commands', place(refunded, item(100)));
  for (const topic of ['orders.commands', 'orders.events', 'inventory.commands', 'inventory.events'])
    await bus.deliver(topic);
  await bus.deliver('payments.commands');
  await bus.deliver('payments.events');
  bus.withhold('orders.commands');
  bus.send('orders.commands', cancel(refunded));
  await bus.drain();
  // A participant that never answers: the sweep, an hour later, finds the saga overdue.
  bus.send('orders.commands', place(overdue, item(100)));
  await bus.deliver('orders.commands');
  await bus.deliver('orders.events');
  bus.withhold('inventory.commands');
  await sweepDeadlines({
    sagas: sagaStore(containerContext()),
    publisher: bus.publisher,
    now: Date.now() + 3_600_000,
  });
  return bus.published;
}

const { expectations, producers, undeclared, handled } = await participants();
const pairs = expectations.flatMap((expectation) =>
  producers
    .filter((producer) => producer.topic === expectation.topic)
    .map((producer) => ({ expectation, producer })),
);

describe('consumer-driven contracts', () => {
  it('every MSK-triggered function declares what it expects, next to its code', () => {
    expect(undeclared).toEqual([]);
  });

  it.each(
    pairs.map(
      ({ expectation, producer }) =>
        [expectation.consumer, producer.producer, expectation, producer] as const,
    ),
  )(
    '%s reads every value %s may send (the contract, minimal and full)',
    (_consumer, _producer, expectation, producer) => {
      expect(verifyExamples(expectation, producer)).toEqual([]);
    },
  );

  it('every consumer is satisfied by what the functions really publish (value, key and headers), and each declaration says what its function writes', async () => {
    // Prepare
    const published = await publishedByTheFunctions();
    const typeOf = (record: OutgoingRecord) => delivered(record, contracts).message.type;

    // Act
    const producerOf = (topic: string, type: string) =>
      producers.find((producer) => producer.topic === topic && producer.types.includes(type))?.producer ??
      'an undeclared producer';
    const failures = expectations.flatMap((expectation) => verify(expectation, producerOf, published));
    const declared = producers.flatMap((producer) => producer.types.map((type) => ({ producer, type })));
    const unseen = declared
      .filter(
        ({ producer, type }) => !published.some((r) => r.topic === producer.topic && typeOf(r) === type),
      )
      .map(({ producer, type }) => `${producer.producer}: ${type} on ${producer.topic}`);
    const drift = published.flatMap((record) => {
      const type = typeOf(record);
      const producer = producers.find((p) => p.topic === record.topic && p.types.includes(type));
      if (!producer) return [`${type} on ${record.topic}: no producer declares it`];
      const data = delivered(record, contracts).message.data as Record<string, unknown>;
      const missing = Object.keys(producer.headers?.(data, 1) ?? {}).filter(
        (name) => !(name in record.headers),
      );
      return [
        ...(producer.key(data) === record.key
          ? []
          : [`${producer.producer}: ${type} keyed ${record.key}, declared ${producer.key(data)}`]),
        ...missing.map((name) => `${producer.producer}: ${type} lacks its declared header ${name}`),
      ];
    });

    // Assess
    expect(failures).toEqual([]);
    expect(unseen).toEqual([]);
    expect([...new Set(drift)]).toEqual([]);
    expect(published.length).toBeGreaterThan(declared.length);
  });

  it('each consumer expects exactly the message types its handler receives (its accepts), topic by topic', () => {
    const mismatches: string[] = [];
    for (const [consumer, byTopic] of handled) {
      const expected = expectations.filter((expectation) => expectation.consumer === consumer);
      const topics = new Set([...byTopic.keys(), ...expected.map((expectation) => expectation.topic)]);
      for (const topic of topics) {
        const receives = [...(byTopic.get(topic) ?? [])].sort();
        const declares = Object.keys(expected.find((e) => e.topic === topic)?.messages ?? {}).sort();
        if (receives.join() !== declares.join())
          mismatches.push(`${consumer} on ${topic}: receives [${receives}], expects [${declares}]`);
      }
    }
    expect(handled.size).toBeGreaterThanOrEqual(6);
    expect(mismatches).toEqual([]);
  });

  it('every message type a consumer expects has a producer', () => {
    const produced = new Set(
      producers.flatMap((producer) => producer.types.map((type) => `${producer.topic}/${type}`)),
    );
    const orphans = expectations.flatMap((expectation) =>
      Object.keys(expectation.messages)
        .filter((type) => !produced.has(`${expectation.topic}/${type}`))
        .map((type) => `${expectation.consumer} expects ${type} on ${expectation.topic}, which nobody sends`),
    );
    expect(orphans).toEqual([]);
  });

  it('fails, naming consumer, producer, message and field, when a consumer relies on what is not sent', async () => {
    // Prepare: a consumer that needs a field OrderPlaced does not carry, and a producer that forgets the header
    const { z } = await import('zod');
    const greedy: ConsumerExpectation = {
      consumer: 'loyaltyPoints',
      topic: 'orders.events',
      messages: { OrderPlaced: z.object({ orderId: z.string(), loyaltyTier: z.string() }) },
      headers: { 'stream-version': z.string() },
    };
    const forgetful: ProducerDeclaration = {
      producer: 'legacyWriter',
      topic: 'orders.events',
      types: ['OrderPlaced'],
      key: (data) => String(data.orderId),
    };

    const orderPlaced = z.parse(orderPlacedV2.data, exampleFromSchema(dataSchema(orderPlacedV2), 'full'));

    // Act
    const failures = [
      ...verifyExamples(greedy, forgetful),
      ...verify(greedy, () => forgetful.producer, [
        {
          topic: 'orders.events',
          key: 'order-7',
          value: JSON.stringify(envelopeFor(orderPlacedV2, orderPlaced, { id: 'legacy-1' })),
          headers: {},
        },
      ]),
    ];

    // Assess
    expect(failures).toContain(
      'loyaltyPoints ← legacyWriter: OrderPlaced v2 (minimal): data.loyaltyTier: Invalid input: expected string, received undefined',
    );
    expect(failures).toContain(
      'loyaltyPoints ← legacyWriter: OrderPlaced v2 (order-7): header stream-version = undefined does not satisfy the consumer',
    );
  });
});
