import { type IHeaders, Kafka, logLevel } from 'kafkajs';

export interface ReadMessage {
  key: string | undefined;
  value: string;
  headers: Record<string, string>;
  partition: number;
  offset: number;
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]));
}

/** One read of `topic` from the beginning with a fresh consumer group, until `enough` or time runs out. */
async function readOnce(
  brokers: string[],
  topic: string,
  filter: (message: ReadMessage) => boolean,
  enough: (matched: ReadMessage[]) => boolean,
  timeoutMs: number,
): Promise<ReadMessage[]> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `test-reader-${Math.random().toString(36).slice(2)}`,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
  });
  const matched: ReadMessage[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  // A response kafkajs cannot decode stops the consumer: this read is over, the next one decides.
  consumer.on(consumer.events.CRASH, () => done());
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const read = {
          key: message.key?.toString(),
          value: message.value?.toString() ?? '',
          headers: textHeaders(message.headers),
          partition,
          offset: Number(message.offset),
        };
        if (filter(read)) matched.push(read);
        if (enough(matched)) done();
      },
    });
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  } finally {
    await consumer.disconnect();
  }
  return matched;
}

const position = (message: ReadMessage) => `${message.partition}/${message.offset}`;

/**
 * Read `topic` from the beginning until `enough` says so (or time runs out), then return what matched
 * `filter` — once a second read agrees on every record at the same positions: the bundled broker can
 * tear a read that races another test's append (local/emulator/fetch-verifier.ts).
 */
export async function readTopic(
  brokers: string[],
  topic: string,
  filter: (message: ReadMessage) => boolean,
  enough: (matched: ReadMessage[]) => boolean,
  timeoutMs = 15_000,
): Promise<ReadMessage[]> {
  let previous = await readOnce(brokers, topic, filter, enough, timeoutMs);
  for (let attempt = 0; attempt < 3; attempt++) {
    const wanted = new Set(previous.map(position));
    const again = await readOnce(
      brokers,
      topic,
      filter,
      (matched) => {
        const seen = new Set(matched.map(position));
        return [...wanted].every((at) => seen.has(at));
      },
      timeoutMs,
    );
    const atPosition = new Map(again.map((message) => [position(message), JSON.stringify(message)]));
    if (previous.every((message) => atPosition.get(position(message)) === JSON.stringify(message)))
      return previous;
    previous = again;
  }
  throw new Error(`four reads of ${topic} never agreed twice in a row`);
}
