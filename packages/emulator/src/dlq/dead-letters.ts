import {
  DEAD_LETTER_HEADERS,
  DEAD_LETTER_SUFFIX,
  type DecodedRecord,
  decodeMskEvent,
  isDeadLetterTopic,
} from '@msk-patterns/pipeline';
import { Kafka, type KafkaConfig, type KafkaMessage, logLevel } from 'kafkajs';
import * as z from 'zod/mini';
import { EmulatorError } from '../errors.js';

/** One record of a dead-letter topic, written by Lambda's `kafka://` destination or by our functions. */
export interface DeadLetter {
  /** `<dlq topic>/<partition>/<offset>`: what `show` takes */
  id: string;
  dlqTopic: string;
  condition: string;
  errorClass: string;
  errorMessage: string;
  /** the function that dead-lettered it (its own dead letter, or the mapping's destination for it) */
  functionName: string;
  /** when the record was dead-lettered */
  timestamp: string;
  /** the original record, decoded; undefined when the payload holds no readable record */
  original: DecodedRecord | undefined;
  /** `<bytes> sha256:<hex>` of the source record's value when it was left out to fit the topic */
  payloadOmitted?: string;
  value: Record<string, unknown>;
}

export interface DeadLetterFilter {
  /** dead-letter topics to read (default: all) */
  topics?: string[];
  /** only records that came from this source topic */
  source?: string;
  /** error class or condition, e.g. ContractViolationError or RetriesExhausted */
  error?: string;
  since?: Date;
  until?: Date;
}

/** The JSON Lambda's destination and our functions write as a letter's value; anything else is malformed. */
const letterValue = z.looseObject({
  requestContext: z.optional(
    z.looseObject({ condition: z.optional(z.string()), functionArn: z.optional(z.string()) }),
  ),
  responseContext: z.optional(z.nullable(z.looseObject({ functionError: z.optional(z.string()) }))),
  timestamp: z.optional(z.string()),
  payload: z.optional(z.looseObject({ records: z.optional(z.record(z.string(), z.array(z.unknown()))) })),
  errorInfo: z.optional(
    z.looseObject({ errorType: z.optional(z.string()), errorMessage: z.optional(z.string()) }),
  ),
});

/** What a letter that is not one (not JSON, not a letter's shape) is listed as: never skipped, never fatal. */
export const MALFORMED_LETTER = 'MalformedDeadLetter';

function parseDeadLetter(
  dlqTopic: string,
  partition: number,
  offset: string,
  value: Buffer | null,
  headers: Record<string, string>,
  writtenAt: string,
): DeadLetter {
  const id = `${dlqTopic}/${partition}/${offset}`;
  let json: z.infer<typeof letterValue>;
  try {
    json = letterValue.parse(JSON.parse(value?.toString('utf8') ?? 'null'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'not JSON' : 'not a dead letter';
    return {
      id,
      dlqTopic,
      condition: MALFORMED_LETTER,
      errorClass: MALFORMED_LETTER,
      errorMessage: `${value?.length ?? 0} bytes, ${reason}`,
      functionName: headers[DEAD_LETTER_HEADERS.functionName] ?? 'unknown',
      timestamp: writtenAt,
      original: undefined,
      value: {},
    };
  }
  const condition = json.requestContext?.condition ?? 'unknown';
  let original: DecodedRecord | undefined;
  try {
    original = json.payload?.records
      ? decodeMskEvent({ eventSource: 'aws:kafka', bootstrapServers: '', records: json.payload.records })
          .records[0]
      : undefined;
  } catch {
    original = undefined;
  }
  return {
    id,
    dlqTopic,
    condition,
    errorClass: headers[DEAD_LETTER_HEADERS.errorClass] ?? json.errorInfo?.errorType ?? condition,
    errorMessage:
      headers[DEAD_LETTER_HEADERS.errorMessage] ??
      json.errorInfo?.errorMessage ??
      json.responseContext?.functionError ??
      '',
    functionName:
      headers[DEAD_LETTER_HEADERS.functionName] ??
      json.requestContext?.functionArn?.split(':').at(6) ??
      'unknown',
    timestamp: json.timestamp ?? writtenAt,
    original,
    ...(headers[DEAD_LETTER_HEADERS.payloadOmitted]
      ? { payloadOmitted: headers[DEAD_LETTER_HEADERS.payloadOmitted] }
      : {}),
    value: json,
  };
}

function matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  const at = Date.parse(letter.timestamp);
  return (
    (!filter.source || letter.original?.topic === filter.source) &&
    (!filter.error || letter.errorClass === filter.error || letter.condition === filter.error) &&
    (!filter.since || at >= filter.since.getTime()) &&
    (!filter.until || at <= filter.until.getTime())
  );
}

/** A record's headers for kafkajs, byte for byte: a repeated name becomes a list, in its order. */
function kafkaHeaders(record: DecodedRecord): Record<string, Buffer[]> {
  const headers: Record<string, Buffer[]> = Object.create(null);
  for (const { name, value } of record.headerBytes) {
    const values = headers[name] ?? [];
    values.push(value);
    headers[name] = values;
  }
  return headers;
}

/** Plaintext brokers (the local broker), or a full client configuration (a deployed stage: MSK IAM over TLS). */
export type KafkaConnection = readonly string[] | KafkaConfig;

/** A dead-letter topic's record, as kafkajs gives it, read as a letter. */
export function letterOfMessage(topic: string, partition: number, message: KafkaMessage): DeadLetter {
  const headers = Object.fromEntries(
    Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
  );
  return parseDeadLetter(
    topic,
    partition,
    message.offset,
    message.value,
    headers,
    new Date(Number(message.timestamp)).toISOString(),
  );
}

/**
 * A quiet kafkajs client for a connection: a broker list (local) or a whole configuration (MSK IAM).
 *
 * @param connection - the brokers, or a kafkajs configuration
 * @example
 * ```ts
 * const admin = kafkaClient(['127.0.0.1:9092']).admin();
 * ```
 */
export function kafkaClient(connection: KafkaConnection): Kafka {
  const config: KafkaConfig = isBrokerList(connection) ? { brokers: [...connection] } : connection;
  return new Kafka({ ...config, logLevel: logLevel.NOTHING });
}

function isBrokerList(connection: KafkaConnection): connection is readonly string[] {
  return Array.isArray(connection);
}

/**
 * Read the dead-letter topics from the beginning up to their current end, decoded and filtered.
 *
 * @param connection - brokers, or a kafkajs configuration (MSK IAM: `kafkaConfig` of @msk-patterns/pipeline)
 * @param filter - which letters; `topics` defaults to every `.dlq` topic of the cluster
 * @example
 * ```ts
 * const letters = await readDeadLetters(['localhost:9092'], { error: 'ContractViolationError' });
 * ```
 */
export async function readDeadLetters(
  connection: KafkaConnection,
  filter: DeadLetterFilter = {},
): Promise<DeadLetter[]> {
  const kafka = kafkaClient(connection);
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, number>();
  try {
    const topics = filter.topics ?? (await admin.listTopics()).filter(isDeadLetterTopic).sort();
    for (const topic of topics) {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        if (Number(high) > Number(low)) remaining.set(`${topic}/${partition}`, Number(high) - 1);
      }
    }
  } finally {
    await admin.disconnect();
  }
  const letters: DeadLetter[] = [];
  if (remaining.size === 0) return letters;
  const consumer = kafka.consumer({
    groupId: `dlq-tool-${Date.now()}-${Math.random()}`,
    sessionTimeout: 6000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  try {
    // Only the topics with records left to read.
    const topics = [...new Set([...remaining.keys()].map((key) => key.slice(0, key.lastIndexOf('/'))))];
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const letter = letterOfMessage(topic, partition, message);
            if (matches(letter, filter)) letters.push(letter);
            const key = `${topic}/${partition}`;
            if (Number(message.offset) >= (remaining.get(key) ?? Number.POSITIVE_INFINITY))
              remaining.delete(key);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return letters;
}

/**
 * Thrown when a redrive would write into a dead-letter topic.
 * @example
 * ```ts
 * await redrive(brokers, [letterWithoutOriginal], { log: console.log });
 * // RedriveRefusedError: <letter id> holds no original record to redrive
 * ```
 */
export class RedriveRefusedError extends EmulatorError {
  override readonly name = 'RedriveRefusedError';
}

/** A letter's source record: several consumers of one topic may each dead-letter the same record. */
const sourceOf = (letter: DeadLetter) =>
  `${letter.original?.topic}/${letter.original?.partition}/${letter.original?.offset}`;

/**
 * Re-publish dead letters to their original topic with their original key, headers and value — the
 * envelope keeps its id, so consumers' idempotency still applies to a record that had half-succeeded.
 *
 * @param connection - brokers, or a kafkajs configuration (MSK IAM)
 * @param letters - the letters to send back (`readDeadLetters`)
 * @param options - `dryRun` (list, send nothing), `everyCopy` (one per letter, not per source record), `log`
 * @example
 * ```ts
 * const letters = await readDeadLetters(['127.0.0.1:9092'], { topics: ['orders.commands.dlq'] });
 * await redrive(['127.0.0.1:9092'], letters, { dryRun: true, log: console.log }); // lists what would be sent where
 * await redrive(['127.0.0.1:9092'], letters, { log: console.log });
 * ```
 */
export async function redrive(
  connection: KafkaConnection,
  letters: readonly DeadLetter[],
  options: { dryRun?: boolean; everyCopy?: boolean; log: (line: string) => void },
): Promise<number> {
  for (const letter of letters) {
    if (!letter.original) throw new RedriveRefusedError(`${letter.id} holds no original record to redrive`);
    if (letter.payloadOmitted)
      throw new RedriveRefusedError(
        `${letter.id}: its source record's value (${letter.payloadOmitted}) did not fit the dead-letter topic and was left out: nothing to redrive; produce it again from its source`,
      );
    if (isDeadLetterTopic(letter.original.topic)) {
      throw new RedriveRefusedError(
        `${letter.id} came from ${letter.original.topic}, a dead-letter topic: refusing to redrive into it`,
      );
    }
    // The letter's content says where it came from, and anyone who can write the dead-letter topic
    // writes that too: a redrive goes only to the topic this dead-letter topic belongs to.
    const home = letter.dlqTopic.slice(0, -DEAD_LETTER_SUFFIX.length);
    if (!isDeadLetterTopic(letter.dlqTopic) || letter.original.topic !== home) {
      throw new RedriveRefusedError(
        `${letter.id} says it came from ${letter.original.topic}, but it sits on ${letter.dlqTopic}: a redrive goes only to ${isDeadLetterTopic(letter.dlqTopic) ? home : 'the topic of a dead-letter topic'}; refusing`,
      );
    }
  }
  const producer = kafkaClient(connection).producer({ maxInFlightRequests: 1 });
  if (!options.dryRun) await producer.connect();
  try {
    let done = 0;
    const sent = new Map<string, DeadLetter>();
    for (const letter of letters) {
      const first = sent.get(sourceOf(letter));
      if (first && !options.everyCopy) {
        options.log(
          `skipped ${letter.id} (${letter.functionName}): ${sourceOf(letter)} is redriven once, for ${first.id} (${first.functionName})`,
        );
        continue;
      }
      sent.set(sourceOf(letter), letter);
      const original = letter.original as DecodedRecord;
      const target = `${original.topic} key=${original.key ?? '(none)'} (from ${original.partitionKey}@${original.offset})`;
      if (!options.dryRun) {
        await producer.send({
          topic: original.topic,
          acks: -1,
          messages: [
            {
              key: original.keyBytes ?? null,
              value: original.value ?? null,
              headers: kafkaHeaders(original),
            },
          ],
        });
      }
      done++;
      options.log(
        `${options.dryRun ? 'would redrive' : 'redrove'} ${done}/${letters.length} ${letter.id} → ${target}`,
      );
    }
    return done;
  } finally {
    if (!options.dryRun) await producer.disconnect();
  }
}
