import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  accessOf,
  ContractRegistry,
  consumedTopics,
  consumer,
  defineContract,
  PipelineError,
} from '../src/index.js';

const placed = defineContract({
  topic: 'orders.events',
  type: 'OrderPlaced',
  version: 1,
  description: 'An order was placed.',
  data: z.object({ orderId: z.string() }),
});
const cancelled = defineContract({
  topic: 'orders.events',
  type: 'OrderCancelled',
  version: 1,
  description: 'An order was cancelled.',
  data: z.object({ orderId: z.string() }),
});
const paid = defineContract({
  topic: 'payments.events',
  type: 'PaymentCharged',
  version: 1,
  description: 'A payment was charged.',
  data: z.object({ orderId: z.string() }),
});

describe('the topics a consumer reads: stated once, by what it accepts', () => {
  it('are the topics of its accepted contracts, each once, unless it names them', () => {
    expect(consumedTopics({ name: 'c', accepts: [placed, cancelled, paid] })).toEqual([
      'orders.events',
      'payments.events',
    ]);
    expect(consumedTopics({ name: 'c', accepts: [placed], topics: ['orders.events', 'x'] })).toEqual([
      'orders.events',
      'x',
    ]);
    expect(() => consumedTopics({ name: 'c' })).toThrow(PipelineError);
  });

  it('are what the consumer declares for its role and mappings', () => {
    // Act
    const handler = consumer({
      name: 'loyalty',
      registry: new ContractRegistry([placed, cancelled, paid]),
      accepts: [placed, paid],
      publishes: [],
      tables: {},
      handle: () => ({}),
    });

    // Assess
    expect(accessOf(handler)?.consumes).toEqual(['orders.events', 'payments.events']);
  });
});
