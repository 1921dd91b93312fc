import { describe, expect, it } from 'vitest';
import { type FetchedRecord, FetchVerifier } from '../../local/emulator/fetch-verifier.js';

const record = (offset: number, value = `v${offset}`): FetchedRecord => ({
  partitionKey: 't-0',
  offset,
  key: 'k',
  value: Buffer.from(value),
  headers: { 'message-id': `id-${offset}` },
  timestamp: 1_000 + offset,
});

describe('FetchVerifier (two reads must agree before a record is delivered)', () => {
  it('confirms nothing on a first read and asks to read it again from its first offset', () => {
    const verifier = new FetchVerifier();
    expect(verifier.check([record(0), record(1)])).toEqual({ confirmed: [], rereadFrom: 0 });
  });

  it('confirms what a second read repeats, and keeps a newly appended tail for the next read', () => {
    const verifier = new FetchVerifier();
    verifier.check([record(0), record(1)]);
    const { confirmed, rereadFrom } = verifier.check([record(0), record(1), record(2)]);
    expect(confirmed.map((each) => each.offset)).toEqual([0, 1]);
    expect(rereadFrom).toBe(2);
    expect(verifier.check([record(2)])).toEqual({ confirmed: [record(2)], rereadFrom: undefined });
  });

  it('stops at a torn record (a value that differs between reads) and counts it', () => {
    // Prepare: the first read tore offset 1 (Mokapi answered header bytes as its value)
    const verifier = new FetchVerifier();
    verifier.check([record(0), record(1, '\u0004\u0014message-id'), record(2)]);
    // Act
    const second = verifier.check([record(0), record(1), record(2)]);
    const third = verifier.check([record(1), record(2)]);
    // Assess
    expect(second.confirmed.map((each) => each.offset)).toEqual([0]);
    expect(second.rereadFrom).toBe(1);
    expect(verifier.torn).toBe(1);
    expect(third.confirmed.map((each) => each.offset)).toEqual([1, 2]);
  });

  it('never confirms offsets that are not contiguous (a misaligned read invents offsets)', () => {
    const verifier = new FetchVerifier();
    verifier.check([record(0), record(60)]);
    const { confirmed, rereadFrom } = verifier.check([record(0), record(60)]);
    expect(confirmed.map((each) => each.offset)).toEqual([0]);
    expect(rereadFrom).toBe(60);
  });

  it('keeps partitions apart and forgets one on reset', () => {
    const verifier = new FetchVerifier();
    verifier.check([record(0)]);
    verifier.check([{ ...record(0), partitionKey: 't-1' }]);
    verifier.reset('t-0');
    expect(verifier.check([record(0)]).confirmed).toEqual([]);
    expect(verifier.check([{ ...record(0), partitionKey: 't-1' }]).confirmed).toHaveLength(1);
  });
});
