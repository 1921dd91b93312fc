import { MappingRunner } from '@msk-patterns/emulator';
import type { MskEvent } from '@msk-patterns/pipeline';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type BrokerProxy, startBrokerProxy } from '../../local/chaos/broker-proxy.js';
import { produce, testMapping, waitFor } from '../support/emulator.js';
import { createTestTopic } from '../support/kafka.js';

const brokers = inject('kafkaBrokers');
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((step) => step()));
});

const offsetsOf = (event: MskEvent) =>
  Object.values(event.records)
    .flat()
    .map((record) => record.offset);

describe('a mapping whose consumer crashes and is restarted by kafkajs', () => {
  it('still runs one batch of a partition at a time, in order: the batch from before the crash finishes first', async () => {
    // Prepare: one partition, reached through a proxy that can cut the consumer off; the first batch
    // blocks until the consumer has crashed and restarted (kafkajs builds a new consumer group then,
    // forgetting the partition the runner had paused for that batch)
    const [broker] = brokers;
    if (!broker) throw new Error('no broker');
    const proxy: BrokerProxy = await startBrokerProxy(broker);
    cleanup.push(() => proxy.close());
    const topic = await createTestTopic(brokers, `restart-${Math.random().toString(36).slice(2, 8)}`);
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inFlight = 0;
    let mostInFlight = 0;
    const started: number[][] = [];
    const runner = new MappingRunner(
      testMapping({ topic, destinationTopic: undefined, startingPosition: 'TRIM_HORIZON' }),
      {
        brokers: [proxy.address],
        log: () => {},
        sessionTimeoutMs: 6_000,
        handler: async (event) => {
          inFlight++;
          mostInFlight = Math.max(mostInFlight, inFlight);
          started.push(offsetsOf(event));
          if (started.length === 1) await released;
          inFlight--;
          return { batchItemFailures: [] };
        },
      },
    );
    cleanup.push(() => runner.stop());
    await runner.start();
    await produce(
      brokers,
      topic,
      [0, 1, 2, 3].map((n) => ({ key: `k${n}`, value: `v${n}`, partition: 0 })),
    );
    await waitFor(() => started.length === 1, 30_000);

    // Act: cut the consumer off until kafkajs gives up and restarts it, then let the first batch finish
    while (runner.stats.consumerCrashes === 0) {
      proxy.outage(3_000);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
    // Give the restarted consumer the time to fetch the partition again (without the fix, a second batch
    // started within seconds of the crash): it must not start before the first batch ends.
    await waitFor(() => started.length > 1, 10_000).catch(() => undefined);
    const startedBeforeRelease = started.length;
    release();
    await waitFor(() => runner.stats.invocations >= 2 && inFlight === 0, 60_000);

    // Assess: never two batches of the partition at once, and nothing after the first batch's offsets
    // started before it ended
    expect(runner.stats.consumerCrashes).toBeGreaterThan(0);
    expect(startedBeforeRelease).toBe(1);
    expect(mostInFlight).toBe(1);
    expect(started[0]).toEqual([0, 1, 2, 3]);
  }, 120_000);
});
