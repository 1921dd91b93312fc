import { describe, expect, it } from 'vitest';
import { readBatchResponse } from '../src/emulator/batch-response.js';
import type { EmulatedRecord } from '../src/emulator/types.js';

const record = (partitionKey: string, offset: number): EmulatedRecord => ({
  topic: partitionKey.replace(/-\d+$/, ''),
  partition: Number(partitionKey.split('-').at(-1)),
  partitionKey,
  offset,
  value: null,
  bytes: 0,
});
const batch = [
  record('orders.commands-0', 10),
  record('orders.commands-0', 11),
  record('orders.commands-1', 4),
];
const failure = (partition: string, offset: unknown) => ({ itemIdentifier: { partition, offset } });

describe('readBatchResponse (the Kafka partial batch response, docs/aws-behaviours.md "Error handling")', () => {
  it('reads no response, null, an empty list, or any answer without ReportBatchItemFailures as success', () => {
    expect(readBatchResponse(undefined, batch, true)).toEqual({ kind: 'ok' });
    expect(readBatchResponse({ batchItemFailures: null }, batch, true)).toEqual({ kind: 'ok' });
    expect(readBatchResponse({ batchItemFailures: [] }, batch, true)).toEqual({ kind: 'ok' });
    expect(
      readBatchResponse({ batchItemFailures: [failure('orders.commands-0', 11)] }, batch, false),
    ).toEqual({
      kind: 'ok',
    });
  });

  it('resumes each partition at its lowest reported offset', () => {
    const result = readBatchResponse(
      { batchItemFailures: [failure('orders.commands-0', 11), failure('orders.commands-0', 10)] },
      batch,
      true,
    );
    expect(result).toEqual({ kind: 'partial', lowestFailed: new Map([['orders.commands-0', 10]]) });
  });

  it('fails the whole batch for an identifier that names no record of the event, or is not a number', () => {
    for (const wrong of [
      failure('orders.commands-0', 12),
      failure('orders.commands-2', 4),
      failure('orders.commands-0', '10'),
    ])
      expect(readBatchResponse({ batchItemFailures: [wrong] }, batch, true)).toMatchObject({ kind: 'error' });
    expect(readBatchResponse({ batchItemFailures: 'all of them' }, batch, true)).toMatchObject({
      kind: 'error',
    });
  });
});
