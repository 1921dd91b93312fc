/**
 * Shapes of the Amazon MSK / self-managed Kafka event that Lambda hands to a function.
 * Source of truth: docs/aws-behaviours.md, "The event a handler receives".
 */

/** Header value as Lambda sends it: an array of bytes, signed (-128..127) in practice, unsigned accepted. */
export type MskHeaderBytes = number[];

/** One record exactly as it appears in `event.records["<topic>-<partition>"]`. */
export interface MskRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  /** base64; absent or null for a null key */
  key?: string | null | undefined;
  /** base64; null for a tombstone */
  value: string | null;
  headers: Array<Record<string, MskHeaderBytes>>;
  keySchemaMetadata?: { schemaId?: string | undefined; dataFormat: string } | undefined;
  valueSchemaMetadata?: { schemaId?: string | undefined; dataFormat: string } | undefined;
}

export const EVENT_SOURCES = { msk: 'aws:kafka', selfManaged: 'SelfManagedKafka' } as const;
export type EventSource = (typeof EVENT_SOURCES)[keyof typeof EVENT_SOURCES];

/** The whole event. `bootstrapServers` is ONE comma-separated string. */
export interface MskEvent {
  eventSource: EventSource;
  eventSourceArn?: string | undefined;
  bootstrapServers: string;
  records: Record<string, MskRecord[]>;
}

/** One Kafka header as bytes: names may repeat, and their order is kept. */
export interface HeaderBytes {
  name: string;
  value: Buffer;
}

/** A record after decoding: key, value and headers as bytes, with text views for convenience. */
export interface DecodedRecord {
  /** the records-map key, `"<topic>-<partition>"`: the partition identifier of a partial batch response */
  partitionKey: string;
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: MskRecord['timestampType'];
  /** the key's bytes, exactly; `undefined` for a null key */
  keyBytes: Buffer | undefined;
  /** the key read as UTF-8 (a view: invalid bytes become U+FFFD; use `keyBytes` to pass the key on) */
  key: string | undefined;
  /** raw value bytes, `undefined` for a tombstone */
  value: Buffer | undefined;
  /** every header in order, repeated names kept, values as bytes: what passing a record on must copy */
  headerBytes: readonly HeaderBytes[];
  /** header name → UTF-8 value (a view: a repeated header shows its last value) */
  headers: Record<string, string>;
  /** the record exactly as received, kept for the dead-letter payload */
  raw: unknown;
}

/** What a producer (tests, sample events, the local emulator) gives to build an MSK event. */
export interface RecordInput {
  topic: string;
  partition: number;
  offset: number;
  key?: string | Buffer | undefined;
  value: string | Buffer | null;
  /** by name (an array for a repeated name), or as an ordered list of headers */
  headers?: Record<string, string | Buffer | Array<string | Buffer>> | readonly HeaderBytes[] | undefined;
  timestamp?: number | undefined;
  timestampType?: MskRecord['timestampType'] | undefined;
}
