import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMskEvent, encodeMskEvent } from '../../lib/kafka/codec.js';
import { MalformedEventError } from '../../lib/kafka/errors.js';

describe('MSK codec (property-based)', () => {
  it('round-trips any key, value and UTF-8 headers through encode → decode', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1 }),
        fc.uint8Array({ maxLength: 256 }),
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 20 }),
          fc.string({ unit: 'grapheme', maxLength: 40 }),
          { maxKeys: 5 },
        ),
        fc.nat({ max: 2 ** 40 }),
        (key, value, headers, offset) => {
          const event = encodeMskEvent([
            { topic: 't', partition: 3, offset, key, value: Buffer.from(value), headers },
          ]);
          const { records, malformed } = decodeMskEvent(JSON.parse(JSON.stringify(event)));
          expect(malformed).toEqual([]);
          expect(records[0]?.key).toBe(key);
          expect(records[0]?.value?.equals(Buffer.from(value))).toBe(true);
          expect(records[0]?.headers).toEqual(headers);
          expect(records[0]?.offset).toBe(offset);
        },
      ),
    );
  });

  it('turns any input into records or a classified error, never an unexpected exception', () => {
    fc.assert(
      fc.property(fc.anything(), fc.array(fc.anything(), { maxLength: 4 }), (junk, records) => {
        for (const input of [
          junk,
          { eventSource: 'aws:kafka', bootstrapServers: 'b:1', records: { 't-0': records } },
        ]) {
          try {
            const decoded = decodeMskEvent(input);
            expect(decoded.records.length + decoded.malformed.length).toBeGreaterThanOrEqual(0);
          } catch (error) {
            expect(error).toBeInstanceOf(MalformedEventError);
          }
        }
      }),
    );
  });
});
