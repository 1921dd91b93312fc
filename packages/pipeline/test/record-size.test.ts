import { describe, expect, it } from 'vitest';
import {
  batchBudget,
  deadLetterRecord,
  KAFKA_MESSAGE_MAX_BYTES,
  recordBytes,
  sizedRuns,
} from '../src/index.js';

const junk = (index: number, bytes: number) => ({
  topic: 'orders.commands.dlq',
  key: 'one-key',
  value: `${index} ${'z'.repeat(bytes)}`,
  headers: { 'dlq-source-offset': String(index) },
});

describe('sizedRuns (every request fits max.message.bytes, whichever partition its records go to)', () => {
  it('splits 100 × 40 KB into runs under the budget, in order, nothing lost or doubled', () => {
    // Prepare
    const records = Array.from({ length: 100 }, (_, index) => junk(index, 40 * 1024));

    // Act
    const runs = sizedRuns(records);

    // Assess
    expect(runs.length).toBeGreaterThan(3);
    for (const run of runs)
      expect(run.reduce((sum, record) => sum + recordBytes(record), 0)).toBeLessThanOrEqual(
        batchBudget('orders.commands.dlq'),
      );
    expect(runs.flat()).toEqual(records);
  });

  it('keeps a batch of small records in one request', () => {
    const records = Array.from({ length: 100 }, (_, index) => junk(index, 500));
    expect(sizedRuns(records)).toEqual([records]);
  });

  it('sends a record above the limit alone (the broker refuses it: MESSAGE_TOO_LARGE, permanent)', () => {
    const records = [junk(0, 10), junk(1, KAFKA_MESSAGE_MAX_BYTES), junk(2, 10)];
    expect(sizedRuns(records).map((run) => run.length)).toEqual([1, 1, 1]);
  });
});

describe('deadLetterRecord at the limit', () => {
  const letterFor = (value: Buffer) =>
    deadLetterRecord({
      event: { eventSource: 'aws:kafka', eventSourceArn: 'arn', bootstrapServers: 'b' },
      context: { awsRequestId: 'r', invokedFunctionArn: 'arn:fn', functionName: 'fn' },
      partitionKey: 'orders.commands-0',
      topic: 'orders.commands',
      partition: 0,
      offset: 9,
      key: 'k',
      raw: {
        topic: 'orders.commands',
        partition: 0,
        offset: 9,
        key: 'aw==',
        value: value.toString('base64'),
      },
      batchSize: 1,
      error: new Error('value is not JSON'),
    });

  it('keeps the whole record when the letter fits', () => {
    const letter = letterFor(Buffer.alloc(700 * 1024, 'a'));
    expect(letter.headers['dlq-payload-omitted']).toBeUndefined();
    expect(recordBytes(letter)).toBeLessThanOrEqual(batchBudget(letter.topic));
  });

  it('leaves the value out, with its size and hash, when base64 would take the letter over the limit', () => {
    const letter = letterFor(Buffer.alloc(800 * 1024, 'a'));
    expect(letter.headers['dlq-payload-omitted']).toMatch(/^819200 sha256:[0-9a-f]{64}$/);
    expect(recordBytes(letter)).toBeLessThanOrEqual(batchBudget(letter.topic));
    expect(JSON.parse(String(letter.value)).payload.records['orders.commands-0'][0]).toEqual({
      topic: 'orders.commands',
      partition: 0,
      offset: 9,
      key: 'aw==',
      value: null,
    });
  });
});
