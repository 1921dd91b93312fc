import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMskEvent, encodeMskEvent, MalformedEventError, mskRecordSchema } from '../src/index.js';

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
      { numRuns: 500 },
    );
  });

  it('accepts exactly the records the zod schema accepts (the hand-written fast path agrees)', () => {
    const base64ish = fc.oneof(
      fc.base64String(),
      fc.string(),
      fc.constant('ab=='),
      fc.constant('a b='),
      fc.constant('=abc'),
    );
    const record = fc.record(
      {
        topic: fc.oneof(fc.constant('t'), fc.constant(''), fc.integer()),
        partition: fc.oneof(fc.constant(0), fc.integer({ min: -2, max: 3 }), fc.double()),
        offset: fc.oneof(fc.nat(), fc.integer({ min: -5, max: 5 }), fc.constant('1')),
        timestamp: fc.oneof(fc.nat(), fc.constant(Number.NaN), fc.constant('x')),
        timestampType: fc.constantFrom('CREATE_TIME', 'LOG_APPEND_TIME', 'OTHER'),
        key: fc.oneof(base64ish, fc.constant(null), fc.constant(undefined)),
        value: fc.oneof(base64ish, fc.constant(null)),
        headers: fc.oneof(
          fc.array(
            fc.dictionary(
              fc.string({ maxLength: 5 }),
              fc.array(fc.integer({ min: -200, max: 300 }), { maxLength: 4 }),
            ),
          ),
          fc.constant(undefined),
          fc.constant('h'),
        ),
      },
      { requiredKeys: ['topic', 'partition', 'offset', 'timestamp', 'timestampType', 'value'] },
    );
    fc.assert(
      fc.property(record, (raw) => {
        const partitionKey = `${String(raw.topic)}-${String(raw.partition)}`;
        const event = {
          eventSource: 'aws:kafka',
          bootstrapServers: 'b:1',
          records: { [partitionKey]: [raw] },
        };
        const decoded = decodeMskEvent(event).records.length === 1;
        expect(decoded).toBe(mskRecordSchema.safeParse(raw).success);
      }),
      { numRuns: 2000 },
    );
  });

  it('turns any input into records or a classified error, never an unexpected exception, and loses no record', () => {
    fc.assert(
      fc.property(fc.anything(), fc.array(fc.anything(), { maxLength: 4 }), (junk, records) => {
        // Anything at all: decoded, or refused as a whole with the event's own error class.
        try {
          decodeMskEvent(junk);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedEventError);
        }
        // A valid event whose records are anything: every record comes back exactly once, decoded or
        // reported malformed (and so dead-lettered) — none dropped, none invented.
        const decoded = decodeMskEvent({
          eventSource: 'aws:kafka',
          bootstrapServers: 'b:1',
          records: { 't-0': records },
        });
        expect(decoded.records.length + decoded.malformed.length).toBe(records.length);
      }),
    );
  });
});
