import * as z from 'zod/mini';
import { describeIssues } from '../contracts/issues.js';
import { MalformedEventError, MalformedRecordError } from './errors.js';
import {
  type DecodedRecord,
  EVENT_SOURCES,
  type HeaderBytes,
  type MskEvent,
  type MskRecord,
  type RecordInput,
} from './types.js';

// Header bytes arrive signed (-128..127) from Lambda (docs/aws-behaviours.md, "The event a handler receives");
// accept unsigned too. `Buffer.from` keeps the low 8 bits of each number: a signed byte becomes its unsigned value.
const headerBytes = z.array(z.int().check(z.gte(-128), z.lte(255)));
const schemaMetadata = z.object({ schemaId: z.optional(z.string()), dataFormat: z.string() });

export const mskRecordSchema = z.object({
  topic: z.string().check(z.minLength(1)),
  partition: z.int().check(z.nonnegative()),
  offset: z.int().check(z.nonnegative()),
  timestamp: z.number(),
  timestampType: z.enum(['CREATE_TIME', 'LOG_APPEND_TIME']),
  key: z.nullish(z.base64()),
  value: z.nullable(z.base64()),
  headers: z._default(z.array(z.record(z.string(), headerBytes)), []),
  keySchemaMetadata: z.optional(schemaMetadata),
  valueSchemaMetadata: z.optional(schemaMetadata),
});

const mskEventSchema = z.object({
  eventSource: z.enum([EVENT_SOURCES.msk, EVENT_SOURCES.selfManaged]),
  eventSourceArn: z.optional(z.string()),
  bootstrapServers: z.string(),
  records: z.record(z.string(), z.array(z.unknown())),
});

/**
 * Where a record that could not be decoded sat in its event, as far as the event tells: its topic and
 * partition come from the records map key, offset and timestamp from the record when they are numbers.
 */
export interface RecordLocation {
  partitionKey: string;
  topic: string;
  partition: number | undefined;
  offset: number | undefined;
  timestamp: number | undefined;
}

/** A record that is not a valid MSK record, located, with the raw entry exactly as the event held it. */
export interface MalformedRecord {
  error: MalformedRecordError;
  raw: unknown;
  location: RecordLocation;
}

/** Result of decoding one event: every record is either decoded or a classified, located error. */
export interface DecodedEvent {
  event: MskEvent;
  records: DecodedRecord[];
  malformed: MalformedRecord[];
}

/** `"<topic>-<partition>"` → topic and partition; a topic name may itself contain dashes. */
export function splitPartitionKey(partitionKey: string): { topic: string; partition: number | undefined } {
  const match = /^(.*)-(\d+)$/.exec(partitionKey);
  return match
    ? { topic: match[1] ?? partitionKey, partition: Number(match[2]) }
    : { topic: partitionKey, partition: undefined };
}

function locate(raw: unknown, partitionKey: string): RecordLocation {
  const numberField = (name: string) => {
    const value: unknown = raw !== null && typeof raw === 'object' ? Reflect.get(raw, name) : undefined;
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  return {
    partitionKey,
    ...splitPartitionKey(partitionKey),
    offset: numberField('offset'),
    timestamp: numberField('timestamp'),
  };
}

/** A record's headers as an ordered list of byte values, whichever form they were given in. */
export function headerList(headers: RecordInput['headers']): HeaderBytes[] {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return headers.map(({ name, value }) => ({ name, value: toBuffer(value) }));
  return Object.entries(headers).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((one) => ({ name, value: toBuffer(one) })),
  );
}

/**
 * Strict base64 decoding at the cost of decoding alone. Node's decoder skips characters outside the
 * alphabet, so a string with any (whitespace, misplaced `=`, …) decodes to fewer bytes than its
 * length promises — the same strings the base64 regex of `mskRecordSchema` rejects.
 */
function decodeBase64(text: string): Buffer | undefined {
  // Node also reads the URL-safe alphabet ('-', '_'), which is not what Lambda sends (found by the fuzz test).
  if (text.length % 4 !== 0 || text.includes('-') || text.includes('_')) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined;
}

function isSchemaMetadata(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'object' || value === null) return false;
  const { schemaId, dataFormat } = value as { schemaId?: unknown; dataFormat?: unknown };
  return typeof dataFormat === 'string' && (schemaId === undefined || typeof schemaId === 'string');
}

function areHeaders(headers: unknown): boolean {
  if (headers === undefined) return true;
  if (!Array.isArray(headers)) return false;
  for (const entry of headers) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return false;
    for (const name in entry) {
      if (!Object.hasOwn(entry, name)) continue;
      const bytes: unknown = entry[name];
      if (!Array.isArray(bytes)) return false;
      for (let index = 0; index < bytes.length; index++) {
        const byte: unknown = bytes[index];
        // An integer in -128..255: `| 0` keeps exactly the integers of the int32 range.
        if (typeof byte !== 'number' || (byte | 0) !== byte || byte < -128 || byte > 255) return false;
      }
    }
  }
  return true;
}

/**
 * The shape rules of `mskRecordSchema` checked by hand (base64 content is checked while decoding); zod
 * still explains any record we reject, and a property test keeps the two in agreement. Not for speed
 * (40 times faster, ~7 µs a record, which no end-to-end figure shows): zod's parsed copy of a record
 * drops a header named `__proto__`, and the decoded record is read from the entry itself.
 */
export function isMskRecord(raw: unknown): raw is MskRecord {
  if (typeof raw !== 'object' || raw === null) return false;
  const record = raw as Record<string, unknown>;
  const { topic, partition, offset, timestamp, timestampType, key, value } = record;
  return (
    typeof topic === 'string' &&
    topic.length > 0 &&
    Number.isSafeInteger(partition) &&
    (partition as number) >= 0 &&
    Number.isSafeInteger(offset) &&
    (offset as number) >= 0 &&
    typeof timestamp === 'number' &&
    Number.isFinite(timestamp) &&
    (timestampType === 'CREATE_TIME' || timestampType === 'LOG_APPEND_TIME') &&
    (key === undefined || key === null || typeof key === 'string') &&
    (value === null || typeof value === 'string') &&
    areHeaders(record.headers) &&
    isSchemaMetadata(record.keySchemaMetadata) &&
    isSchemaMetadata(record.valueSchemaMetadata)
  );
}

function malformed(raw: unknown, partitionKey: string, index: number): MalformedRecordError {
  const parsed = mskRecordSchema.safeParse(raw);
  const offset = (raw as { offset?: unknown } | null)?.offset;
  return new MalformedRecordError(
    `record ${partitionKey}[${index}] is not an MSK record: ${parsed.success ? 'it breaks the MSK record rules' : describeIssues(parsed.error)}`,
    { partitionKey, index, offset: typeof offset === 'number' ? offset : undefined },
  );
}

function decodeRecord(raw: unknown, partitionKey: string, index: number): DecodedRecord {
  if (!isMskRecord(raw)) throw malformed(raw, partitionKey, index);
  const key = raw.key == null ? undefined : decodeBase64(raw.key);
  const value = raw.value === null ? undefined : decodeBase64(raw.value);
  if ((raw.key != null && key === undefined) || (raw.value !== null && value === undefined)) {
    throw malformed(raw, partitionKey, index);
  }
  if (`${raw.topic}-${raw.partition}` !== partitionKey) {
    throw new MalformedRecordError(
      `record ${partitionKey}[${index}] says topic ${raw.topic} partition ${raw.partition}`,
      {
        partitionKey,
        index,
        offset: raw.offset,
      },
    );
  }
  const headerBytes: HeaderBytes[] = [];
  for (const entry of raw.headers ?? []) {
    // `for…in` over the entry as JSON.parse made it: a header named "__proto__" is an own key there,
    // which zod's record parsing drops (docs/benchmarks.md, "Earn its place"): never lose a header.
    for (const name in entry) {
      const bytes = entry[name];
      if (Object.hasOwn(entry, name) && bytes) headerBytes.push({ name, value: Buffer.from(bytes) });
    }
  }
  // No prototype: a header named "__proto__" must be a header, not a prototype change.
  const headers: Record<string, string> = Object.create(null);
  for (const header of headerBytes) headers[header.name] = header.value.toString('utf8');
  return {
    partitionKey,
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    timestamp: raw.timestamp,
    timestampType: raw.timestampType,
    keyBytes: key,
    key: key?.toString('utf8'),
    value,
    headerBytes,
    headers,
    raw,
  };
}

/** An event whose envelope is valid: its records per `"<topic>-<partition>"`, as the event holds them. */
export interface MskEventPartitions {
  event: MskEvent;
  partitions: Array<[partitionKey: string, entries: unknown[]]>;
}

/**
 * Check an MSK or self-managed Kafka event's envelope (docs/aws-behaviours.md, "The event a handler
 * receives"), else {@link MalformedEventError}; its records are decoded one by one with {@link decodeEntry}.
 */
export function readMskEvent(input: unknown): MskEventPartitions {
  const parsed = mskEventSchema.safeParse(input);
  if (!parsed.success) throw new MalformedEventError(`not an MSK event: ${describeIssues(parsed.error)}`);
  return { event: input as MskEvent, partitions: Object.entries(parsed.data.records) };
}

/** One entry of a partition's list: the decoded record, or why it is not one and where it sat. */
export function decodeEntry(
  raw: unknown,
  partitionKey: string,
  index: number,
): DecodedRecord | MalformedRecord {
  try {
    return decodeRecord(raw, partitionKey, index);
  } catch (error) {
    if (!(error instanceof MalformedRecordError)) throw error;
    return { error, raw, location: locate(raw, partitionKey) };
  }
}

export function isMalformed(entry: DecodedRecord | MalformedRecord): entry is MalformedRecord {
  return 'error' in entry;
}

/**
 * Decode a whole event: every record is either decoded or a located error (a bad one never fails the batch).
 *
 * @param input - the event as Lambda delivered it
 * @example
 * ```ts
 * const { records } = decodeMskEvent(event);
 * records[0].key; records[0].value; // the bytes, decoded once
 * ```
 */
export function decodeMskEvent(input: unknown): DecodedEvent {
  const { event, partitions } = readMskEvent(input);
  const records: DecodedRecord[] = [];
  const malformed: DecodedEvent['malformed'] = [];
  for (const [partitionKey, entries] of partitions) {
    entries.forEach((raw, index) => {
      const decoded = decodeEntry(raw, partitionKey, index);
      if (isMalformed(decoded)) malformed.push(decoded);
      else records.push(decoded);
    });
  }
  return { event, records, malformed };
}

function toBuffer(data: string | Buffer): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Lambda sends header bytes as Java's signed bytes. */
function toSignedBytes(data: Buffer): number[] {
  return Array.from(data, (byte) => (byte > 127 ? byte - 256 : byte));
}

/**
 * Build one MSK record exactly as Lambda would deliver it.
 *
 * @param input - one record
 * @example
 * ```ts
 * encodeMskRecord({ topic: 'orders.commands', partition: 0, offset: 7, key: 'order-1', value: '{}' });
 * // one record as Lambda delivers it: base64 key and value, header bytes as number arrays
 * ```
 */
export function encodeMskRecord(input: RecordInput): MskRecord {
  const record: MskRecord = {
    topic: input.topic,
    partition: input.partition,
    offset: input.offset,
    timestamp: input.timestamp ?? Date.now(),
    timestampType: input.timestampType ?? 'CREATE_TIME',
    value: input.value === null ? null : toBuffer(input.value).toString('base64'),
    headers: headerList(input.headers).map(({ name, value }) => ({ [name]: toSignedBytes(value) })),
  };
  if (input.key !== undefined) record.key = toBuffer(input.key).toString('base64');
  return record;
}

/**
 * Build an MSK event from records; they are grouped under `"<topic>-<partition>"` in offset order.
 *
 * @param inputs - the records, with topic, partition, offset, key, value and headers
 * @param options - the event source ARN
 * @example
 * ```ts
 * const event = encodeMskEvent([recordFor('orders.commands', envelope, { partition: 0, offset: 7 })]);
 * await handler(event, lambdaContext);
 * ```
 */
export function encodeMskEvent(
  inputs: RecordInput[],
  options: { eventSourceArn?: string; bootstrapServers?: string; selfManaged?: boolean } = {},
): MskEvent {
  const records: Record<string, MskRecord[]> = {};
  const sorted = [...inputs].sort((a, b) => a.offset - b.offset);
  for (const input of sorted) {
    const partitionKey = `${input.topic}-${input.partition}`;
    records[partitionKey] ??= [];
    records[partitionKey].push(encodeMskRecord(input));
  }
  const event: MskEvent = {
    eventSource: options.selfManaged ? EVENT_SOURCES.selfManaged : EVENT_SOURCES.msk,
    bootstrapServers: options.bootstrapServers ?? 'localhost:9092',
    records,
  };
  if (!options.selfManaged) {
    event.eventSourceArn =
      options.eventSourceArn ??
      'arn:aws:kafka:eu-west-1:123456789012:cluster/local/00000000-0000-0000-0000-000000000000-1';
  }
  return event;
}
