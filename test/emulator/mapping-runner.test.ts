import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { MappingConfig } from '@msk-patterns/emulator';
import { type MappingRunner, MappingRunner as Runner } from '@msk-patterns/emulator';
import type { MskEvent } from '@msk-patterns/pipeline';
import { CompressionTypes } from 'kafkajs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ownRecords, produce, testMapping, waitFor } from '../support/emulator.js';
import { createTestTopic, readTopic } from '../support/kafka.js';

const brokers = inject('kafkaBrokers');
const running: MappingRunner[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((runner) => runner.stop()));
});

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}-`;
const decode = (base64: string | null | undefined) => Buffer.from(base64 ?? '', 'base64').toString();

/** Start a runner whose handler sees only this test's records (by key prefix); others succeed. */
async function run(
  prefix: string,
  mapping: MappingConfig,
  handle: (event: MskEvent, own: ReturnType<typeof ownRecords>) => unknown,
): Promise<{ runner: MappingRunner; events: MskEvent[]; lines: string[] }> {
  const events: MskEvent[] = [];
  const lines: string[] = [];
  const runner = new Runner(mapping, {
    brokers,
    log: (line) => lines.push(line),
    handler: async (event) => {
      const own = ownRecords(event, prefix);
      if (own.length === 0) return { batchItemFailures: [] };
      events.push(structuredClone(event));
      return handle(event, own);
    },
  });
  running.push(runner);
  await runner.start();
  return { runner, events, lines };
}

describe('event source mapping emulator on the local broker', () => {
  it('delivers each record once and in key order while appends race the reads', async () => {
    // Prepare
    const prefix = unique('verify');
    const seen: Array<{ key: string; n: number }> = [];
    await run(prefix, testMapping({ batchingWindowMs: 20 }), (_event, own) => {
      for (const record of own)
        seen.push({ key: decode(record.key), n: (JSON.parse(decode(record.value)) as { n: number }).n });
      return { batchItemFailures: [] };
    });

    // Act: 20 appends of 10 records over 3 keys, while the runner reads
    for (let round = 0; round < 20; round++) {
      await produce(
        brokers,
        'inventory.commands',
        Array.from({ length: 10 }, (_, index) => ({
          key: `${prefix}${index % 3}`,
          value: JSON.stringify({ n: round * 10 + index }),
        })),
      );
    }
    await waitFor(() => seen.length >= 200, 30_000);
    // A fence behind the records on every partition: a record delivered twice comes again before it
    await produce(
      brokers,
      'inventory.commands',
      Array.from({ length: 6 }, (_, partition) => ({ key: `${prefix}fence`, value: '{"n":-1}', partition })),
    );
    await waitFor(() => seen.filter(({ n }) => n === -1).length === 6, 30_000);

    // Assess: nothing twice, nothing missing, each key in the order it was written
    const records = seen.filter(({ n }) => n !== -1);
    expect(records).toHaveLength(200);
    expect(new Set(records.map(({ n }) => n)).size).toBe(200);
    for (const key of new Set(records.map((record) => record.key))) {
      const order = records.filter((record) => record.key === key).map(({ n }) => n);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('delivers what an outside producer compressed with gzip, record for record (the broker stores compressed batches)', async () => {
    // Prepare
    const prefix = unique('gzip');
    const { events } = await run(prefix, testMapping(), () => ({ batchItemFailures: [] }));
    const values = Array.from({ length: 20 }, (_, n) =>
      JSON.stringify({ n, text: 'compressible '.repeat(20) }),
    );

    // Act: one gzip batch per partition, as Java and librdkafka producers commonly send
    await produce(
      brokers,
      'inventory.commands',
      values.map((value, n) => ({ key: `${prefix}${n % 2}`, value, partition: n % 2 })),
      { compression: CompressionTypes.GZIP },
    );
    await waitFor(() => events.flatMap((event) => ownRecords(event, prefix)).length >= values.length);

    // Assess
    const delivered = events
      .flatMap((event) => ownRecords(event, prefix))
      .map((record) => decode(record.value));
    expect([...delivered].sort()).toEqual([...values].sort());
  });

  it('invokes with an exact MSK event: one batch may mix partitions, records in offset order (docs/aws-behaviours.md, "The event a handler receives" and "Batching, ordering and offsets")', async () => {
    // Prepare
    const prefix = unique('shape');
    const { events } = await run(prefix, testMapping(), () => ({ batchItemFailures: [] }));

    // Act
    await produce(brokers, 'inventory.commands', [
      { key: `${prefix}a`, value: '{"n":1}', partition: 0, headers: { 'x-source': 'café' } },
      { key: `${prefix}b`, value: '{"n":2}', partition: 1 },
      { key: `${prefix}c`, value: '{"n":3}', partition: 0 },
    ]);
    await waitFor(() => events.flatMap((event) => ownRecords(event, prefix)).length >= 3);

    // Assess
    const [event] = events as [MskEvent];
    expect(event.eventSource).toBe('aws:kafka');
    expect(typeof event.bootstrapServers).toBe('string');
    expect(event.eventSourceArn).toMatch(/^arn:aws:kafka:/);
    const own = events.flatMap((e) => ownRecords(e, prefix));
    const partition0 = own.filter((record) => record.partition === 0);
    expect(partition0.map((record) => decode(record.value))).toEqual(['{"n":1}', '{"n":3}']);
    expect(partition0[0]?.headers).toEqual([{ 'x-source': [99, 97, 102, -61, -87] }]);
    expect(Object.keys(event.records).every((key) => /^inventory\.commands-\d$/.test(key))).toBe(true);
  });

  it('closes batches at BatchSize and keeps one batch per partition in flight', async () => {
    const prefix = unique('size');
    let inFlight = 0;
    let mostInFlight = 0;
    const { events } = await run(prefix, testMapping({ batchSize: 3, batchingWindowMs: 50 }), async () => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      return {};
    });

    await produce(
      brokers,
      'inventory.commands',
      Array.from({ length: 7 }, (_, index) => ({
        key: `${prefix}${index}`,
        value: `{"i":${index}}`,
        partition: 2,
      })),
    );
    await waitFor(() => events.flatMap((event) => ownRecords(event, prefix)).length >= 7);

    const sizes = events.map((event) => Object.values(event.records).flat().length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(mostInFlight).toBe(1);
    const offsets = events.flatMap((event) => ownRecords(event, prefix).map((record) => record.offset));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(7);
  });

  it('resumes a partition at the lowest reported failure and redelivers what follows (ReportBatchItemFailures)', async () => {
    // Prepare: the 2nd record fails once
    const prefix = unique('partial');
    let failedOnce = false;
    const { events, runner } = await run(prefix, testMapping(), (_event, own) => {
      const second = own[1];
      if (!failedOnce && second) {
        failedOnce = true;
        return {
          batchItemFailures: [
            {
              itemIdentifier: { partition: `inventory.commands-${second.partition}`, offset: second.offset },
            },
          ],
        };
      }
      return { batchItemFailures: [] };
    });

    // Act
    await produce(
      brokers,
      'inventory.commands',
      [0, 1, 2].map((index) => ({ key: `${prefix}${index}`, value: `{"i":${index}}`, partition: 1 })),
    );
    await waitFor(() => events.length >= 2 && runner.lastInvocation?.outcome === 'ok');

    // Assess: the retry starts at the failed record and includes every later one of the partition
    const retried = ownRecords(events[1] as MskEvent, prefix).map((record) => decode(record.value));
    expect(retried).toEqual(['{"i":1}', '{"i":2}']);
    // and the last invocation the console shows is the retry's success, after the partial response
    expect(runner.lastInvocation).toMatchObject({ outcome: 'ok' });
  });

  it('retries a failing batch MaximumRetryAttempts times, then writes each record to the kafka:// destination (docs/aws-behaviours.md, "Error handling")', async () => {
    // Prepare: topics of its own, so that a failing batch holds nothing another test produced (the
    // destination count below counts every record the runner wrote there)
    const prefix = unique('exhaust');
    const topic = await createTestTopic(brokers, `${prefix}-source`);
    const destination = await createTestTopic(brokers, `${topic}.dlq`);
    const { events, runner } = await run(
      prefix,
      testMapping({ maximumRetryAttempts: 2, topic, destinationTopic: destination }),
      () => {
        throw new Error('downstream is down');
      },
    );

    // Act
    await produce(brokers, topic, [{ key: `${prefix}k`, value: '{"poison":true}', partition: 0 }]);
    const [deadLetter] = await readTopic(
      brokers,
      destination,
      (message) => message.key === `${prefix}k`,
      (matched) => matched.length > 0,
    );

    // Assess
    expect(events).toHaveLength(3);
    expect(runner.stats.toDestination).toBe(1);
    expect(runner.lastInvocation).toMatchObject({ outcome: 'error', records: 1, errorClass: 'Error' });
    const value = JSON.parse(deadLetter?.value ?? '{}');
    expect(value).toMatchObject({
      version: '1.0',
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      responseContext: { functionError: 'Unhandled' },
      KafkaBatchInfo: { batchSize: 1 },
    });
    expect(decode(value.payload.records[`${topic}-0`][0].value)).toBe('{"poison":true}');
  });

  it('bisects a failing batch so that only the poison record reaches the destination (BisectBatchOnFunctionError)', async () => {
    const prefix = unique('bisect');
    const delivered: string[] = [];
    const { runner } = await run(
      prefix,
      testMapping({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 3, batchingWindowMs: 300 }),
      (_event, own) => {
        if (own.some((record) => decode(record.value).includes('poison'))) throw new Error('cannot process');
        delivered.push(...own.map((record) => decode(record.value)));
        return {};
      },
    );

    await produce(
      brokers,
      'inventory.commands',
      ['a', 'b', 'poison', 'd'].map((name) => ({
        key: `${prefix}${name}`,
        value: `"${name}"`,
        partition: 2,
      })),
    );
    await waitFor(() => runner.stats.toDestination >= 1 && delivered.length >= 3);

    expect(delivered.sort()).toEqual(['"a"', '"b"', '"d"']);
    expect(runner.stats.toDestination).toBe(1);
  });

  it('waits MaximumBatchingWindowInSeconds to fill a batch before invoking', async () => {
    const prefix = unique('window');
    const { events } = await run(prefix, testMapping({ batchingWindowMs: 1_500 }), () => ({}));

    await produce(brokers, 'inventory.commands', [{ key: `${prefix}1`, value: '{}', partition: 0 }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await produce(brokers, 'inventory.commands', [{ key: `${prefix}2`, value: '{}', partition: 1 }]);
    await waitFor(() => events.length > 0);

    expect(ownRecords(events[0] as MskEvent, prefix)).toHaveLength(2);
  });

  it('treats a handler that outlives the function timeout as a failed invocation', async () => {
    const prefix = unique('timeout');
    const { runner, lines } = await run(
      prefix,
      testMapping({ timeoutSeconds: 0.2, maximumRetryAttempts: 0 }),
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return {};
      },
    );

    await produce(brokers, 'inventory.commands', [{ key: `${prefix}slow`, value: '{}', partition: 2 }]);
    await waitFor(() => runner.stats.toDestination >= 1);

    expect(lines.some((line) => line.includes('error: Task timed out after 0.20 seconds'))).toBe(true);
  });

  it('fails the whole batch when a batch item failure names a record that was not in the event', async () => {
    const prefix = unique('bogus');
    let calls = 0;
    const { lines } = await run(prefix, testMapping({ maximumRetryAttempts: 1 }), () => {
      calls++;
      return { batchItemFailures: [{ itemIdentifier: { partition: 'inventory.commands-9', offset: 1 } }] };
    });

    await produce(brokers, 'inventory.commands', [{ key: `${prefix}k`, value: '{}', partition: 0 }]);
    await waitFor(() => calls >= 2);

    expect(lines.some((line) => /error: batch item failure .* names no record of the event/.test(line))).toBe(
      true,
    );
  });

  it('delivers only records whose value matches a filter pattern (FilterCriteria, docs/aws-behaviours.md, "Filtering")', async () => {
    const prefix = unique('filter');
    const { events, runner } = await run(
      prefix,
      testMapping({
        filterPatterns: [{ value: { type: ['ReserveStock'], quantity: [{ numeric: ['>', 1] }] } }],
      }),
      () => ({}),
    );

    await produce(brokers, 'inventory.commands', [
      { key: `${prefix}1`, value: '{"type":"ReserveStock","quantity":5}', partition: 0 },
      { key: `${prefix}2`, value: '{"type":"ReleaseStock","quantity":5}', partition: 0 },
      { key: `${prefix}3`, value: '{"type":"ReserveStock","quantity":1}', partition: 0 },
      { key: `${prefix}4`, value: 'not json', partition: 0 },
      { key: `${prefix}5`, value: '{"type":"ReserveStock","quantity":2}', partition: 0 },
      // A fence that passes the filter: once it arrives, every record before it on the partition was
      // delivered or filtered out (one partition is read in order).
      { key: `${prefix}fence`, value: '{"type":"ReserveStock","quantity":9}', partition: 0 },
    ]);
    const keys = () =>
      events.flatMap((event) => ownRecords(event, prefix).map((record) => decode(record.key)));
    await waitFor(() => keys().includes(`${prefix}fence`));

    expect(keys()).toEqual([`${prefix}1`, `${prefix}5`, `${prefix}fence`]);
    // Filtered records count as such (the runner's count covers every test's records on the topic).
    expect(runner.stats.filtered).toBeGreaterThanOrEqual(3);
  });

  it('sends records older than MaximumRecordAgeInSeconds to the destination without invoking', async () => {
    const prefix = unique('aged');
    const { events, runner } = await run(prefix, testMapping({ maximumRecordAgeSeconds: 60 }), () => ({}));

    await produce(brokers, 'inventory.commands', [
      { key: `${prefix}old`, value: '{}', partition: 1, timestamp: String(Date.now() - 3_600_000) },
    ]);
    await waitFor(() => runner.stats.toDestination >= 1);

    expect(events).toHaveLength(0);
  });

  it('redelivers a batch after the runner crashed between invoke and commit', async () => {
    // Prepare: a runner in another process that dies inside its first invocation
    const prefix = unique('crash');
    const groupId = `test-crash-${prefix}`;
    const crashing = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/emulator-crash.ts', brokers.join(','), groupId, prefix],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const output: string[] = [];
    crashing.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const crashed = once(crashing, 'exit');
    try {
      await waitFor(() => output.join('').includes('ready'), 20_000);

      // Act
      await produce(brokers, 'inventory.commands', [
        { key: `${prefix}k`, value: '{"once":"maybe"}', partition: 0 },
      ]);
      await crashed;
    } finally {
      // A fixture that never got as far as its crash must not outlive the test.
      crashing.kill('SIGKILL');
    }
    const { events } = await run(
      prefix,
      testMapping({ consumerGroupId: groupId, startingPosition: 'TRIM_HORIZON' }),
      () => ({}),
    );
    await waitFor(() => events.length > 0, 20_000);

    // Assess: the killed runner invoked but never committed, so the record comes again
    expect(output.join('')).toContain('invoked');
    expect(ownRecords(events[0] as MskEvent, prefix).map((record) => decode(record.value))).toEqual([
      '{"once":"maybe"}',
    ]);
  }, 60_000);
});
