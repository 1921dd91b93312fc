import {
  type DeadLetter,
  MALFORMED_LETTER,
  MappingRunner,
  type MskHandler,
  RedriveRefusedError,
  readDeadLetters,
  redrive,
} from '@msk-patterns/emulator';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ownRecords, produce, testMapping, waitFor } from '../support/emulator.js';

const brokers = inject('kafkaBrokers');
const running: MappingRunner[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((runner) => runner.stop()));
});

/** A mapping with no retries in front of `handler`: a failing record goes straight to the destination. */
async function startFailFastRunner(handler: MskHandler): Promise<MappingRunner> {
  const runner = new MappingRunner(testMapping({ maximumRetryAttempts: 0 }), {
    brokers,
    log: () => {},
    handler,
  });
  running.push(runner);
  await runner.start();
  return runner;
}

describe('dead-letter tool', () => {
  it('lists a record whose retries were exhausted and redrives it with its key, headers and value, after which it succeeds', async () => {
    // Prepare: a function that fails until it is "fixed"
    const prefix = `redrive-${Math.random().toString(36).slice(2, 8)}-`;
    let fixed = false;
    const fence = `${prefix}fence`;
    /** keys of this test's records, in the order the handler saw them */
    const seen: string[] = [];
    const succeeded: Array<{ key: string; value: string; headers: unknown }> = [];
    const runner = await startFailFastRunner(async (event) => {
      const own = ownRecords(event, prefix);
      const keyOf = (record: (typeof own)[number]) => Buffer.from(record.key ?? '', 'base64').toString();
      seen.push(...own.map(keyOf));
      const work = own.filter((record) => keyOf(record) !== fence);
      if (work.length === 0) return {};
      if (!fixed) throw new Error('bug in the handler');
      for (const record of work) {
        succeeded.push({
          key: Buffer.from(record.key ?? '', 'base64').toString(),
          value: Buffer.from(record.value ?? '', 'base64').toString(),
          headers: record.headers,
        });
      }
      return {};
    });
    await produce(brokers, 'inventory.commands', [
      { key: `${prefix}k`, value: '{"id":"m-1"}', partition: 1, headers: { 'message-id': 'm-1' } },
    ]);
    await waitFor(() => runner.stats.toDestination >= 1);

    // Act: list, dry run, then the real redrive once the handler is fixed
    const letters = (
      await readDeadLetters(brokers, { source: 'inventory.commands', error: 'RetriesExhausted' })
    ).filter((letter) => letter.original?.key === `${prefix}k`);
    const lines: string[] = [];
    const attempts = () => seen.filter((key) => key === `${prefix}k`).length;
    const attemptsBeforeDryRun = attempts();
    await redrive(brokers, letters, { dryRun: true, log: (line) => lines.push(line) });
    // A fence behind the dry run on the same partition: had the dry run sent the record, the handler
    // would see it again before the fence (one partition is delivered in order).
    await produce(brokers, 'inventory.commands', [{ key: fence, value: '{"id":"fence"}', partition: 1 }]);
    await waitFor(() => seen.includes(fence));
    const attemptsAfterDryRun = attempts();
    fixed = true;
    await redrive(brokers, letters, { log: (line) => lines.push(line) });
    await waitFor(() => succeeded.length > 0);

    // Assess
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      dlqTopic: 'inventory.commands.dlq',
      condition: 'RetriesExhausted',
      errorClass: 'RetriesExhausted',
    });
    expect(attemptsBeforeDryRun).toBeGreaterThan(0);
    expect(attemptsAfterDryRun).toBe(attemptsBeforeDryRun);
    expect(lines[0]).toMatch(
      /^would redrive 1\/1 inventory\.commands\.dlq\/\d+\/\d+ → inventory\.commands key=redrive-/,
    );
    expect(succeeded).toEqual([
      { key: `${prefix}k`, value: '{"id":"m-1"}', headers: [{ 'message-id': [109, 45, 49] }] },
    ]);
  }, 40_000);

  it('gives back a binary key and binary, repeated headers byte for byte: dead-lettered, listed, redriven', async () => {
    // Prepare: a key and header values that are not UTF-8, and one header name given twice.
    const prefix = `bytes-${Math.random().toString(36).slice(2, 8)}-`;
    const key = Buffer.concat([Buffer.from(prefix), Buffer.from([0xff, 0x10, 0x00, 0x62, 0x80])]);
    const traces = [Buffer.from([0x00, 0x01, 0xff, 0xfe]), Buffer.from([0x80, 0x81])];
    let fixed = false;
    const delivered: Array<{ key: Buffer; headers: Array<[string, Buffer]> }> = [];
    const runner = await startFailFastRunner(async (event) => {
      const own = ownRecords(event, prefix);
      if (own.length === 0) return {};
      if (!fixed) throw new Error('bug in the handler');
      for (const record of own)
        delivered.push({
          key: Buffer.from(record.key ?? '', 'base64'),
          headers: record.headers.flatMap((entry) =>
            Object.entries(entry).map(([name, bytes]): [string, Buffer] => [name, Buffer.from(bytes)]),
          ),
        });
      return {};
    });
    await produce(brokers, 'inventory.commands', [
      { key, value: '{"id":"bytes"}', partition: 2, headers: { trace: traces, 'message-id': 'bytes' } },
    ]);
    await waitFor(() => runner.stats.toDestination >= 1);

    // Act
    const letters = (await readDeadLetters(brokers, { source: 'inventory.commands' })).filter((letter) =>
      letter.original?.keyBytes?.equals(key),
    );
    fixed = true;
    await redrive(brokers, letters, { log: () => {} });
    await waitFor(() => delivered.length > 0);

    // Assess: the letter holds the original bytes, and the redriven record carries them again.
    expect(letters).toHaveLength(1);
    const expectedHeaders = [
      ...traces.map((trace): [string, Buffer] => ['trace', trace]),
      ['message-id', Buffer.from('bytes')],
    ];
    expect(letters[0]?.original?.headerBytes.map(({ name, value }) => [name, value])).toEqual(
      expectedHeaders,
    );
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.key.equals(key)).toBe(true);
    expect(delivered[0]?.headers).toEqual(expectedHeaders);
  }, 40_000);

  it('refuses to redrive into a dead-letter topic', async () => {
    const letter = {
      id: 'x.dlq.dlq/0/0',
      dlqTopic: 'orders.commands.dlq.dlq',
      original: { topic: 'orders.commands.dlq' },
    } as unknown as DeadLetter;
    await expect(redrive(brokers, [letter], { log: () => {} })).rejects.toBeInstanceOf(RedriveRefusedError);
  });

  it('redrives only to the topic the dead-letter topic belongs to, whatever the letter says it came from', async () => {
    // A letter planted on audit's dead-letter topic that names payments.commands as its source
    const planted = {
      id: 'orders.commands.dlq/0/7',
      dlqTopic: 'orders.commands.dlq',
      original: { topic: 'payments.commands' },
    } as unknown as DeadLetter;
    await expect(redrive(brokers, [planted], { dryRun: true, log: () => {} })).rejects.toThrow(
      'orders.commands.dlq/0/7 says it came from payments.commands, but it sits on orders.commands.dlq: a redrive goes only to orders.commands; refusing',
    );
  });

  it('lists a letter that is not JSON, or not a letter, as malformed instead of stalling, and refuses to redrive it', async () => {
    // Prepare: whoever can write a dead-letter topic can write anything there
    const marker = `malformed-${Math.random().toString(36).slice(2, 8)}`;
    await produce(brokers, 'payments.commands.dlq', [
      { key: marker, value: Buffer.from([0xff, 0x1b, 0x5d, 0x30, 0x3b, 0x07]), partition: 0 },
      { key: marker, value: '{"requestContext":"a string, not an object"}', partition: 0 },
    ]);

    // Act
    const letters = (await readDeadLetters(brokers, { topics: ['payments.commands.dlq'] })).filter(
      (letter) =>
        letter.errorMessage.endsWith('not JSON') || letter.errorMessage.endsWith('not a dead letter'),
    );
    const ours = letters.slice(-2);

    // Assess
    expect(
      ours.map(({ condition, errorMessage, original }) => ({ condition, errorMessage, original })),
    ).toEqual([
      { condition: MALFORMED_LETTER, errorMessage: '6 bytes, not JSON', original: undefined },
      { condition: MALFORMED_LETTER, errorMessage: '44 bytes, not a dead letter', original: undefined },
    ]);
    await expect(redrive(brokers, ours, { dryRun: true, log: () => {} })).rejects.toThrow(
      /holds no original record to redrive/,
    );
  });
});
