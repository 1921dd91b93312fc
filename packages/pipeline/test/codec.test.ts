import { describe, expect, it } from 'vitest';
import { decodeMskEvent, encodeMskEvent, MalformedEventError, mskRecordSchema } from '../src/index.js';

/** The example event of docs/aws-behaviours.md, "The event a handler receives"as AWS documents it. */
const documentedEvent = {
  eventSource: 'aws:kafka',
  eventSourceArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/orders/5a1b2c3d-0000-2',
  bootstrapServers:
    'b-1.orders.abc.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.abc.kafka.eu-west-1.amazonaws.com:9098',
  records: {
    'orders.commands-0': [
      {
        topic: 'orders.commands',
        partition: 0,
        offset: 1041,
        timestamp: 1767225600123,
        timestampType: 'CREATE_TIME',
        key: 'b3JkZXItMTAwMQ==',
        value: 'eyJvcmRlcklkIjoib3JkZXItMTAwMSJ9',
        headers: [{ traceparent: [48, 48, 45, 97] }, { 'x-source': [99, 97, 102, -61, -87] }],
      },
    ],
  },
};

describe('decodeMskEvent', () => {
  it('keeps a header named __proto__, which zod drops from its parsed copy of the record', () => {
    // Prepare: the event as Lambda's JSON reaches the handler (JSON.parse makes "__proto__" an own key)
    const event = JSON.parse(
      JSON.stringify(documentedEvent).replace('"traceparent"', '"__proto__"'),
    ) as unknown;
    const [entry] = Object.values(documentedEvent.records)[0] ?? [];

    // Act
    const { records, malformed } = decodeMskEvent(event);
    const zodCopy = mskRecordSchema.parse(
      JSON.parse(JSON.stringify(entry).replace('"traceparent"', '"__proto__"')),
    );

    // Assess: every header and byte kept, and as data (no prototype change); zod's copy has lost it
    expect(malformed).toEqual([]);
    expect(records[0]?.headerBytes.map((header) => header.name)).toEqual(['__proto__', 'x-source']);
    expect(Object.hasOwn(records[0]?.headers ?? {}, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(records[0]?.headers ?? {}, '__proto__')?.value).toBe('00-a');
    expect(zodCopy.headers.flatMap((header) => Object.keys(header))).toEqual(['x-source']);
  });

  it('decodes the documented event: base64 key and value, signed-byte UTF-8 headers', () => {
    const { records, malformed } = decodeMskEvent(documentedEvent);
    expect(malformed).toEqual([]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      partitionKey: 'orders.commands-0',
      topic: 'orders.commands',
      partition: 0,
      offset: 1041,
      key: 'order-1001',
      headers: { traceparent: '00-a', 'x-source': 'café' },
    });
    expect(records[0]?.value?.toString()).toBe('{"orderId":"order-1001"}');
  });

  it('accepts unsigned header bytes as well as signed ones', () => {
    const event = structuredClone(documentedEvent);
    const [record] = event.records['orders.commands-0'];
    if (record) record.headers = [{ 'x-source': [99, 97, 102, 195, 169] }];
    expect(decodeMskEvent(event).records[0]?.headers['x-source']).toBe('café');
  });

  it('refuses base64url (Node decodes it; Lambda never sends it, and the MSK record schema rejects it)', () => {
    const event = structuredClone(documentedEvent) as {
      records: Record<string, Array<Record<string, unknown>>>;
    };
    const [record] = event.records['orders.commands-0'] ?? [];
    if (record) record.key = 'AA--';
    const { records, malformed } = decodeMskEvent(event);
    expect(records).toEqual([]);
    expect(malformed[0]?.error.message).toMatch(/is not an MSK record/);
  });

  it('treats an absent or null key as no key', () => {
    const event = structuredClone(documentedEvent) as {
      records: Record<string, Array<Record<string, unknown>>>;
    };
    const [record] = event.records['orders.commands-0'] ?? [];
    if (record) delete record.key;
    expect(decodeMskEvent(event).records[0]?.key).toBeUndefined();
    if (record) record.key = null;
    expect(decodeMskEvent(event).records[0]?.key).toBeUndefined();
  });

  it('decodes a self-managed Kafka event, which has no eventSourceArn', () => {
    const { eventSourceArn: _arn, ...selfManaged } = { ...documentedEvent, eventSource: 'SelfManagedKafka' };
    expect(decodeMskEvent(selfManaged).records).toHaveLength(1);
  });

  it('reports a malformed record with its location and keeps the good ones', () => {
    const event = structuredClone(documentedEvent) as { records: Record<string, unknown[]> };
    event.records['orders.commands-0']?.push({
      topic: 'orders.commands',
      partition: 0,
      offset: 1042,
      value: '%%%',
    });
    const { records, malformed } = decodeMskEvent(event);
    expect(records).toHaveLength(1);
    expect(malformed).toHaveLength(1);
    expect(malformed[0]?.error.message).toMatch(
      /^record orders\.commands-0\[1\] is not an MSK record: .*value/,
    );
    expect(malformed[0]?.error.location).toEqual({
      partitionKey: 'orders.commands-0',
      index: 1,
      offset: 1042,
    });
    // Located as far as the event tells, nothing invented: no timestamp in the record, none here.
    expect(malformed[0]?.location).toEqual({
      partitionKey: 'orders.commands-0',
      topic: 'orders.commands',
      partition: 0,
      offset: 1042,
      timestamp: undefined,
    });
  });

  it('locates a malformed record under a topic whose name has dashes', () => {
    const event = {
      eventSource: 'aws:kafka',
      bootstrapServers: 'b:1',
      records: { 'order-events-v2-12': [42] },
    };
    expect(decodeMskEvent(event).malformed[0]?.location).toEqual({
      partitionKey: 'order-events-v2-12',
      topic: 'order-events-v2',
      partition: 12,
      offset: undefined,
      timestamp: undefined,
    });
  });

  it('rejects a record filed under the wrong topic-partition key', () => {
    const event = {
      ...documentedEvent,
      records: { 'orders.commands-1': documentedEvent.records['orders.commands-0'] },
    };
    expect(decodeMskEvent(event).malformed[0]?.error.message).toBe(
      'record orders.commands-1[0] says topic orders.commands partition 0',
    );
  });

  it('rejects an event that is not a Kafka event', () => {
    expect(() => decodeMskEvent({ Records: [] })).toThrow(MalformedEventError);
  });
});

describe('encodeMskEvent', () => {
  it('round-trips through the decoder, with signed header bytes as Lambda sends them', () => {
    const event = encodeMskEvent([
      { topic: 't', partition: 1, offset: 6, key: 'k2', value: 'second' },
      { topic: 't', partition: 1, offset: 5, key: 'k1', value: 'first', headers: { h: 'café' } },
    ]);
    expect(event.records['t-1']?.map((r) => r.offset)).toEqual([5, 6]);
    expect(event.records['t-1']?.[0]?.headers).toEqual([{ h: [99, 97, 102, -61, -87] }]);
    const decoded = decodeMskEvent(event).records;
    expect(decoded.map((r) => [r.key, r.value?.toString(), r.headers])).toEqual([
      ['k1', 'first', { h: 'café' }],
      ['k2', 'second', {}],
    ]);
  });
});
