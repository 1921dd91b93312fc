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

/** A record after decoding: key/value as bytes and text, headers as UTF-8 strings. */
export interface DecodedRecord {
  /** the records-map key, `"<topic>-<partition>"`: the partition identifier of a partial batch response */
  partitionKey: string;
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: MskRecord['timestampType'];
  /** UTF-8 key, `undefined` for a null key */
  key: string | undefined;
  /** raw value bytes, `undefined` for a tombstone */
  value: Buffer | undefined;
  /** header name → UTF-8 value (a repeated header keeps its last value) */
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
  headers?: Record<string, string | Buffer> | undefined;
  timestamp?: number | undefined;
  timestampType?: MskRecord['timestampType'] | undefined;
}
