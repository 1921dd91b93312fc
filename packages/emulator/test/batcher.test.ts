import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/emulator/batcher.js';
import type { EmulatedRecord, MappingConfig } from '../src/emulator/types.js';

const mapping = { batchSize: 100, batchingWindowMs: 60_000 } as const satisfies Partial<MappingConfig>;

function chunk(partition: number, count: number): EmulatedRecord[] {
  return Array.from({ length: count }, (_, offset) => ({
    topic: 't',
    partition,
    offset,
    partitionKey: `t-${partition}`,
    value: Buffer.from('x'),
    bytes: 1,
  }));
}

describe('Batcher (the mapping’s batching window)', () => {
  it('invokes at once with a full batch, also one that did not fit next to a partial batch (a window is for batches that are not full)', () => {
    // Prepare
    const delivered: number[] = [];
    const batcher = new Batcher({ ...mapping } as MappingConfig, async (records) => {
      delivered.push(records.length);
    });

    // Act: a partition's last 37 records wait for the window; another partition brings 100
    void batcher.submit(chunk(2, 37));
    void batcher.submit(chunk(3, 100));

    // Assess: both handed over now, not the 100 a whole window later
    expect(delivered).toEqual([37, 100]);
    batcher.abort();
  });

  it('holds a partial batch for the window', () => {
    const delivered: number[] = [];
    const batcher = new Batcher({ ...mapping } as MappingConfig, async (records) => {
      delivered.push(records.length);
    });
    void batcher.submit(chunk(0, 30)).catch(() => {});
    void batcher.submit(chunk(1, 30)).catch(() => {});
    expect(delivered).toEqual([]);
    batcher.abort();
  });
});
