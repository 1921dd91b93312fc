import { z } from 'zod';
import { MalformedEventError, MalformedRecordError } from './errors.js';
import {
  type DecodedRecord,
  EVENT_SOURCES,
  type MskEvent,
  type MskRecord,
  type RecordInput,
} from './types.js';

// Header bytes arrive signed (-128..127) from Lambda (msk-lambda-semantics.md §1); accept unsigned too.
const headerBytes = z.array(z.int().min(-128).max(255));
const schemaMetadata = z.object({ schemaId: z.string().optional(), dataFormat: z.string() });

const mskRecordSchema = z.object({
  topic: z.string().min(1),
  partition: z.int().nonnegative(),
  offset: z.int().nonnegative(),
  timestamp: z.number(),
  timestampType: z.enum(['CREATE_TIME', 'LOG_APPEND_TIME']),
  key: z.base64().nullish(),
  value: z.base64().nullable(),
  headers: z.array(z.record(z.string(), headerBytes)).default([]),
  keySchemaMetadata: schemaMetadata.optional(),
  valueSchemaMetadata: schemaMetadata.optional(),
});

const mskEventSchema = z.object({
  eventSource: z.enum([EVENT_SOURCES.msk, EVENT_SOURCES.selfManaged]),
  eventSourceArn: z.string().optional(),
  bootstrapServers: z.string(),
  records: z.record(z.string(), z.array(z.unknown())),
});

/** Result of decoding one event: every record is either decoded or a classified, located error. */
export interface DecodedEvent {
  event: MskEvent;
  records: DecodedRecord[];
  malformed: Array<{ error: MalformedRecordError; raw: unknown; partitionKey: string }>;
}

function bytesToBuffer(bytes: number[]): Buffer {
  return Buffer.from(bytes.map((byte) => byte & 0xff));
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

function decodeRecord(raw: unknown, partitionKey: string, index: number): DecodedRecord {
  const parsed = mskRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const offset = (raw as { offset?: unknown } | null)?.offset;
    throw new MalformedRecordError(
      `record ${partitionKey}[${index}] is not an MSK record: ${describeIssues(parsed.error)}`,
      { partitionKey, index, offset: typeof offset === 'number' ? offset : undefined },
    );
  }
  const record = parsed.data;
  if (`${record.topic}-${record.partition}` !== partitionKey) {
    throw new MalformedRecordError(
      `record ${partitionKey}[${index}] says topic ${record.topic} partition ${record.partition}`,
      { partitionKey, index, offset: record.offset },
    );
  }
  const headers: Record<string, string> = {};
  for (const entry of record.headers) {
    for (const [name, bytes] of Object.entries(entry)) headers[name] = bytesToBuffer(bytes).toString('utf8');
  }
  return {
    partitionKey,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestampType,
    key: record.key == null ? undefined : Buffer.from(record.key, 'base64').toString('utf8'),
    value: record.value === null ? undefined : Buffer.from(record.value, 'base64'),
    headers,
    raw,
  };
}

/**
 * Decode an MSK or self-managed Kafka event (msk-lambda-semantics.md §1).
 * The envelope must be valid (else {@link MalformedEventError}); a bad record is reported in
 * `malformed` with its location instead of failing the whole batch.
 */
export function decodeMskEvent(input: unknown): DecodedEvent {
  const parsed = mskEventSchema.safeParse(input);
  if (!parsed.success) throw new MalformedEventError(`not an MSK event: ${describeIssues(parsed.error)}`);
  const records: DecodedRecord[] = [];
  const malformed: DecodedEvent['malformed'] = [];
  for (const [partitionKey, rawRecords] of Object.entries(parsed.data.records)) {
    rawRecords.forEach((raw, index) => {
      try {
        records.push(decodeRecord(raw, partitionKey, index));
      } catch (error) {
        if (!(error instanceof MalformedRecordError)) throw error;
        malformed.push({ error, raw, partitionKey });
      }
    });
  }
  return { event: input as MskEvent, records, malformed };
}

function toBuffer(data: string | Buffer): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Lambda sends header bytes as Java's signed bytes. */
function toSignedBytes(data: Buffer): number[] {
  return Array.from(data, (byte) => (byte > 127 ? byte - 256 : byte));
}

/** Build one MSK record exactly as Lambda would deliver it. */
export function encodeMskRecord(input: RecordInput): MskRecord {
  const record: MskRecord = {
    topic: input.topic,
    partition: input.partition,
    offset: input.offset,
    timestamp: input.timestamp ?? Date.now(),
    timestampType: input.timestampType ?? 'CREATE_TIME',
    value: input.value === null ? null : toBuffer(input.value).toString('base64'),
    headers: Object.entries(input.headers ?? {}).map(([name, value]) => ({
      [name]: toSignedBytes(toBuffer(value)),
    })),
  };
  if (input.key !== undefined) record.key = toBuffer(input.key).toString('base64');
  return record;
}

/** Build an MSK event from records; they are grouped under `"<topic>-<partition>"` in offset order. */
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
