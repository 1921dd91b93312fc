import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { handlerExport } from '../../deploy/declarations.js';
import { dataSchema } from '../../lib/contracts/compatibility.js';
import type { ConsumerExpectation, ProducerDeclaration } from '../../lib/contracts/consumer-driven.js';
import { exampleFromSchema } from '../../lib/contracts/example-data.js';
import { contracts } from '../../lib/contracts/index.js';
import { orderCommandSenders } from '../../lib/contracts/orders.js';
import type { ContractRegistry } from '../../lib/contracts/registry.js';
import { accessOf } from '../../lib/deploy/access.js';
import { decodeMskEvent, encodeMskEvent } from '../../lib/kafka/codec.js';
import { envelopeFor, recordFor } from '../../lib/kafka/examples.js';
import { importFunctionModule } from '../../local/emulator/index.js';
import { loadServerlessConfig } from '../../local/infra/serverless-config.js';

/** Every function's producer declarations, and what each MSK-triggered one expects. */
async function participants() {
  const expectations: ConsumerExpectation[] = [];
  const producers: ProducerDeclaration[] = [orderCommandSenders];
  const undeclared: string[] = [];
  /** consumer → topic → the message types its handler receives (from its `accepts`) */
  const handled = new Map<string, Map<string, Set<string>>>();
  for (const [name, fn] of Object.entries(loadServerlessConfig().functions)) {
    const module = (await importFunctionModule(fn.handler)) as Record<string, unknown> & {
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

/**
 * Run examples generated from the producer's contract through the consumer's real decoding path:
 * the MSK codec, the contract registry, then the consumer's own expectation, key and headers.
 * Returns what breaks, naming consumer, producer, message and field.
 */
function verify(
  expectation: ConsumerExpectation,
  producer: ProducerDeclaration,
  registry: ContractRegistry = contracts,
): string[] {
  const failures: string[] = [];
  for (const type of producer.types.filter((candidate) => candidate in expectation.messages)) {
    const contract = registry.latest(producer.topic, type);
    const label = `${expectation.consumer} ← ${producer.producer}: ${type}`;
    if (!contract) {
      failures.push(`${label}: no contract for it on ${producer.topic}`);
      continue;
    }
    for (const mode of ['minimal', 'full'] as const) {
      const data = z.parse(contract.data, exampleFromSchema(dataSchema(contract), mode)) as Record<
        string,
        unknown
      >;
      const envelope = envelopeFor(contract, data, { id: `example-${type}-${mode}` });
      const record = recordFor(producer.topic, envelope, {
        partition: 0,
        offset: 1,
        key: producer.key(data),
      });
      record.headers = { ...record.headers, ...producer.headers?.(data, 1) };
      const [decoded] = decodeMskEvent(encodeMskEvent([record])).records;
      const message = registry.validate(producer.topic, decoded?.value);
      const read = z.safeParse(
        expectation.messages[type] as NonNullable<ConsumerExpectation['messages'][string]>,
        message.data,
      );
      if (!read.success) {
        for (const issue of read.error.issues)
          failures.push(
            `${label} v${contract.version} (${mode}): data.${issue.path.join('.')}: ${issue.message}`,
          );
      }
      if (expectation.key && decoded?.key !== expectation.key(message.data as Record<string, unknown>)) {
        failures.push(
          `${label} v${contract.version} (${mode}): key ${decoded?.key} is not the one the consumer orders by`,
        );
      }
      for (const [name, schema] of Object.entries(expectation.headers ?? {})) {
        if (!z.safeParse(schema, decoded?.headers[name]).success) {
          failures.push(
            `${label} v${contract.version} (${mode}): header ${name} = ${JSON.stringify(decoded?.headers[name])} does not satisfy the consumer`,
          );
        }
      }
    }
  }
  return failures;
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
    '%s is satisfied by what %s sends (value, key and headers)',
    (_consumer, _producer, expectation, producer) => {
      expect(verify(expectation, producer)).toEqual([]);
    },
  );

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

    // Act
    const failures = verify(greedy, forgetful);

    // Assess
    expect(failures).toContain(
      'loyaltyPoints ← legacyWriter: OrderPlaced v2 (minimal): data.loyaltyTier: Invalid input: expected string, received undefined',
    );
    expect(failures).toContain(
      'loyaltyPoints ← legacyWriter: OrderPlaced v2 (full): header stream-version = undefined does not satisfy the consumer',
    );
  });
});
