import type { MappingConfig } from '@msk-patterns/emulator';
import type { MskEvent } from '@msk-patterns/pipeline';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';

/** A mapping as AWS would default it, for a test-only consumer group. */
export function testMapping(overrides: Partial<MappingConfig> = {}): MappingConfig {
  return {
    logicalId: 'TestMapping',
    functionKey: 'probe',
    handler: 'unused',
    timeoutSeconds: 30,
    eventSourceArn:
      'arn:aws:kafka:eu-west-1:123456789012:cluster/local/00000000-0000-0000-0000-000000000000-1',
    topic: 'inventory.commands',
    consumerGroupId: `test-${Math.random().toString(36).slice(2)}`,
    // Tests share topics: each reads only what it produces after its runner has started.
    startingPosition: 'LATEST',
    enabled: true,
    batchSize: 100,
    batchingWindowMs: 200,
    filterPatterns: [],
    maximumRetryAttempts: 2,
    maximumRecordAgeSeconds: -1,
    bisectBatchOnFunctionError: false,
    reportBatchItemFailures: true,
    destinationTopic: 'inventory.commands.dlq',
    ...overrides,
  };
}

export async function produce(
  brokers: string[],
  topic: string,
  messages: Array<{
    key: string | Buffer;
    value: string | Buffer | null;
    partition?: number;
    headers?: Record<string, string | Buffer | Array<string | Buffer>>;
    timestamp?: string;
  }>,
  options: { compression?: CompressionTypes } = {},
): Promise<void> {
  // Idempotent: a send retried after a timeout on a loaded machine would write its records twice, and
  // the tests count what was delivered.
  const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages,
      compression: options.compression ?? CompressionTypes.None,
    });
  } finally {
    await producer.disconnect();
  }
}

/** The event with only the records whose key starts with `prefix`, partition by partition (tests share topics). */
export function onlyOwn(event: MskEvent, prefix: string): MskEvent {
  const own = (key: string | null | undefined) =>
    Buffer.from(key ?? '', 'base64')
      .toString()
      .startsWith(prefix);
  return {
    ...event,
    records: Object.fromEntries(
      Object.entries(event.records).map(([partition, entries]) => [
        partition,
        entries.filter((entry) => own(entry.key)),
      ]),
    ),
  };
}

/** The records of an MSK event whose key starts with `prefix` (tests share topics). */
export function ownRecords(event: MskEvent, prefix: string) {
  return Object.values(onlyOwn(event, prefix).records).flat();
}

export async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
