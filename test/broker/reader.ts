import { type IHeaders, Kafka, logLevel } from 'kafkajs';

/** A record as the broker served it: bytes untouched, repeated header names kept in order. */
export interface FetchedRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer]>;
}

/** kafkajs hands a repeated header name over as an array: flatten back to the wire's list. */
export function headerPairs(headers: IHeaders | undefined): Array<[string, Buffer]> {
  const pairs: Array<[string, Buffer]> = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) {
      if (one !== undefined) pairs.push([name, Buffer.isBuffer(one) ? one : Buffer.from(one)]);
    }
  }
  return pairs;
}

export interface ReadOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  /** stop once this many records arrived */
  count: number;
  timeoutMs: number;
  /** a consumer crash ends the read (and is reported) instead of hanging until the timeout */
  onCrash?: (error: unknown) => void;
}

/**
 * Read `topic` from the beginning in a consumer group until `count` records arrived or time ran
 * out; returns what arrived, in delivery order.
 */
export async function readRecords(options: ReadOptions): Promise<FetchedRecord[]> {
  const kafka = new Kafka({ brokers: options.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
  });
  const records: FetchedRecord[] = [];
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  consumer.on(consumer.events.CRASH, (event) => {
    options.onCrash?.(event.payload.error);
    finish();
  });
  await consumer.connect();
  const timer = setTimeout(finish, options.timeoutMs);
  try {
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.push({
          partition,
          offset: Number(message.offset),
          key: message.key,
          value: message.value,
          headers: headerPairs(message.headers),
        });
        if (records.length >= options.count) finish();
      },
    });
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return records;
}
