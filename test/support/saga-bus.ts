import {
  BatchProcessor,
  consumedTopics,
  containerContext,
  createServiceContext,
  type Envelope,
  encodeMskEvent,
  envelopeHeaders,
  IdempotencyStore,
  type OutgoingRecord,
  type ProcessorOptions,
  type Publisher,
  type ServiceContext,
  type ValidMessage,
} from '@msk-patterns/pipeline';
import { inventoryConsumer } from '../../functions/inventory/handler.js';
import { orderCommandsConsumer } from '../../functions/orders/commands.js';
import { paymentProvider, paymentsConsumer } from '../../functions/payments/handler.js';
import { orderSagaConsumer } from '../../functions/saga/orchestrator.js';
import { contracts } from '../../lib/contracts/index.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import type { PaymentProvider } from '../../lib/domain/payment.js';
import { contextWithTime } from './pipeline.js';

/** A deterministic random source (mulberry32), so a failing mix can be replayed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PARTITIONS = 3;
/** A record failing this many deliveries is counted as lost (the mapping would dead-letter it). */
const MAX_DELIVERIES = 25;

function partitionOf(key: string): number {
  let hash = 0;
  for (const char of key) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % PARTITIONS;
}

interface Queued {
  record: OutgoingRecord;
  deliveries: number;
  /** set at the first delivery and kept for redeliveries */
  offset?: number;
}

/**
 * The saga's four functions — orderCommands, orderSaga, inventory, payments — with their real
 * pipeline options on DynamoDB Local, and the topics between them as in-process queues: what a
 * function publishes is queued on its topic, keyed and partitioned like Kafka, and delivered in MSK
 * batches. Partial batch responses put the failed partition's records back at the front, as the
 * mapping retries them. Options inject Kafka's at-least-once behaviour: duplicates appended later,
 * topics drained in random order. (The same functions over the real broker: the `npm start` test.)
 */
export class SagaBus {
  readonly #queues = new Map<string, Queued[]>();
  readonly #offsets = new Map<string, number>();
  readonly #processors = new Map<string, Pick<BatchProcessor, 'process'>>();
  readonly #random: () => number;
  readonly #duplicateRate: number;
  readonly publisher: Publisher;
  /** what the functions on the bus are given: the shared DynamoDB client, the bus as publisher, a provider */
  readonly service: ServiceContext;
  readonly stats = { batches: 0, records: 0, duplicatesInjected: 0, redelivered: 0, lost: 0 };
  /** every record sent or published, in order: what the functions really wrote, key and headers included */
  readonly published: OutgoingRecord[] = [];

  /**
   * @param options - duplicates to inject, the random source, and the payment provider the payments
   * function charges (by default the simulated one the environment configures)
   */
  constructor(options: { duplicateRate?: number; random?: () => number; provider?: PaymentProvider } = {}) {
    this.#random = options.random ?? Math.random;
    this.#duplicateRate = options.duplicateRate ?? 0;
    this.publisher = { publish: async (records) => this.enqueue(records) };
    // The functions' own context: the shared DynamoDB client, this bus as their publisher, its provider.
    this.service = createServiceContext({
      documentClient: containerContext().documentClient,
      publisher: { publish: this.publisher.publish, disconnect: async () => {} },
    });
    if (options.provider) paymentProvider.provide(this.service, options.provider);
    const store = new IdempotencyStore(
      this.service.documentClient,
      this.service.tableName(TABLE_VARIABLES.idempotency),
    );
    const route = <TMessage extends ValidMessage>(options: ProcessorOptions<TMessage>) => {
      const processor = new BatchProcessor(
        { ...options, retry: { baseDelayMs: 1, maxDelayMs: 5 } },
        { store, publisher: this.publisher, registry: contracts, service: this.service },
      );
      for (const topic of consumedTopics(options)) this.#processors.set(topic, processor);
    };
    route(orderCommandsConsumer);
    route(orderSagaConsumer);
    route(inventoryConsumer);
    route(paymentsConsumer);
  }

  enqueue(records: readonly OutgoingRecord[]): void {
    this.published.push(...records);
    for (const record of records) {
      this.#queue(record.topic).push({ record, deliveries: 0 });
      if (this.#random() < this.#duplicateRate) {
        this.stats.duplicatesInjected++;
        this.#queue(record.topic).push({ record, deliveries: 0 });
      }
    }
  }

  /** A client sends a command (or anything) to a topic, keyed by its order id. */
  send(topic: string, envelope: Envelope, key = (envelope.data as { orderId: string }).orderId): void {
    this.enqueue([{ topic, key, value: JSON.stringify(envelope), headers: envelopeHeaders(envelope) }]);
  }

  pending(topic?: string): number {
    if (topic) return this.#queue(topic).length;
    return [...this.#queues.values()].reduce((sum, queue) => sum + queue.length, 0);
  }

  /** Take a topic's queued records out (a participant that never answers). */
  withhold(topic: string): OutgoingRecord[] {
    return this.#queue(topic)
      .splice(0)
      .map(({ record }) => record);
  }

  #queue(topic: string): Queued[] {
    let queue = this.#queues.get(topic);
    if (!queue) {
      queue = [];
      this.#queues.set(topic, queue);
    }
    return queue;
  }

  /** Deliver up to `batchSize` queued records of one topic as one MSK batch. */
  async deliver(topic: string, batchSize = 100): Promise<void> {
    const processor = this.#processors.get(topic);
    if (!processor) throw new Error(`no function reads ${topic}`);
    const taken = this.#queue(topic).splice(0, batchSize);
    if (taken.length === 0) return;
    const placed = taken.map((entry) => {
      const partition = partitionOf(String(entry.record.key ?? ''));
      const partitionKey = `${topic}-${partition}`;
      // A record keeps its offset when the mapping delivers it again, as in Kafka: the processor then
      // sees a batch that starts behind where the partition's last batch ended, and reads markers first.
      if (entry.offset === undefined) {
        entry.offset = this.#offsets.get(partitionKey) ?? 0;
        this.#offsets.set(partitionKey, entry.offset + 1);
      }
      entry.deliveries++;
      return { entry, partitionKey, offset: entry.offset, partition };
    });
    const event = encodeMskEvent(
      placed.map(({ entry, partition, offset }) => ({
        topic,
        partition,
        offset,
        key: entry.record.key ?? undefined,
        value: entry.record.value,
        headers: entry.record.headers,
        timestamp: Date.now(),
      })),
    );
    const { response } = await processor.process(event, contextWithTime(60_000));
    this.stats.batches++;
    this.stats.records += placed.length;
    // The mapping redelivers each failed partition from its lowest failed offset on, in order.
    const lowest = new Map<string, number>();
    for (const { itemIdentifier } of response.batchItemFailures) {
      const current = lowest.get(itemIdentifier.partition) ?? Number.POSITIVE_INFINITY;
      lowest.set(itemIdentifier.partition, Math.min(current, itemIdentifier.offset));
    }
    const again = placed.filter(
      ({ partitionKey, offset }) => offset >= (lowest.get(partitionKey) ?? Number.POSITIVE_INFINITY),
    );
    const kept = again.filter(({ entry }) => entry.deliveries < MAX_DELIVERIES).map(({ entry }) => entry);
    this.stats.redelivered += kept.length;
    this.stats.lost += again.length - kept.length;
    this.#queue(topic).unshift(...kept);
  }

  /** Deliver until every queue is empty, choosing the next topic at random (topics are not ordered). */
  async drain(maxBatches = 2_000): Promise<void> {
    for (let batch = 0; batch < maxBatches; batch++) {
      const ready = [...this.#queues].filter(([, queue]) => queue.length > 0).map(([topic]) => topic);
      if (ready.length === 0) return;
      const topic = ready[Math.floor(this.#random() * ready.length)] as string;
      await this.deliver(topic, 1 + Math.floor(this.#random() * 100));
    }
    throw new Error(`the bus did not drain in ${maxBatches} batches: ${this.pending()} records left`);
  }
}
