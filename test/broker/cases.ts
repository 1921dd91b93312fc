import { randomBytes } from 'node:crypto';
import { createTopicsAndWait } from '@msk-patterns/emulator';
import { KAFKA_MESSAGE_MAX_BYTES, kafkaErrorTypes, topicConfigs } from '@msk-patterns/pipeline';
import kafkajs, { CompressionTypes, Kafka, logLevel, type Message } from 'kafkajs';
import { kcatConsume, kcatProduce } from './kcat.js';
import { type FetchedRecord, readRecords } from './reader.js';

/** The broker a conformance run checks, and how topics are made on it. */
export interface BrokerTarget {
  name: string;
  brokers: string[];
  /** create a topic the way this broker supports (the bundled one: through the process hosting it) */
  createTopic(topic: string, partitions: number): Promise<void>;
  /** stop and start the broker on the same address, when the target can */
  restart?: () => Promise<void>;
}

/** A case failed: what was expected, what the broker did. */
export class ConformanceError extends Error {
  override readonly name = 'ConformanceError';
}

export interface ConformanceCase {
  id: string;
  /** what a client relies on, in one line */
  title: string;
  /** a case this project's local stack depends on: `npm test` requires it of its broker */
  required: boolean;
  /** what the case needs besides kafkajs (kcat installed, a target that restarts); "not run" without it */
  needs?: 'kcat' | 'restart';
  /** resolves with a short figure on success, rejects with ConformanceError */
  run(target: BrokerTarget, topic: string): Promise<string>;
}

const quiet = (brokers: string[]) =>
  new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } });

const groupId = (topic: string, name: string) => `${topic}.${name}`;

function fail(message: string): never {
  throw new ConformanceError(message);
}

/** The records of one partition must be offsets 0..n-1, in order, each the bytes that were sent. */
function checkPartitions(read: FetchedRecord[], sent: Map<number, Message[]>, label: string): void {
  for (const [partition, messages] of sent) {
    const got = read.filter((record) => record.partition === partition);
    if (got.length !== messages.length)
      fail(`${label}: partition ${partition} returned ${got.length} of ${messages.length} records`);
    got.forEach((record, index) => {
      const expected = messages[index];
      if (record.offset !== index)
        fail(`${label}: partition ${partition} offset ${record.offset} at position ${index}`);
      if (!sameBytes(record.key, expected?.key) || !sameBytes(record.value, expected?.value))
        fail(`${label}: partition ${partition} offset ${index} key or value differs from what was sent`);
      if (!sameHeaders(record.headers, expected?.headers))
        fail(`${label}: partition ${partition} offset ${index} headers differ from what was sent`);
    });
  }
}

type Bytes = Buffer | string | null | undefined;
const asBuffer = (bytes: Bytes) => (bytes === null || bytes === undefined ? null : Buffer.from(bytes));
function sameBytes(a: Bytes, b: Bytes): boolean {
  const left = asBuffer(a);
  const right = asBuffer(b);
  return left === null || right === null ? left === right : left.equals(right);
}

function sameHeaders(got: Array<[string, Buffer]>, sent: Message['headers']): boolean {
  const expected: Array<[string, Buffer]> = [];
  for (const [name, value] of Object.entries(sent ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined) expected.push([name, Buffer.from(one)]);
    }
  }
  return (
    got.length === expected.length &&
    got.every(
      ([name, value], index) =>
        name === expected[index]?.[0] && value.equals(expected[index]?.[1] ?? Buffer.alloc(0)),
    )
  );
}

/** A record whose key, value and headers are arbitrary bytes, never valid UTF-8 throughout. */
function binaryMessage(partition: number, sequence: number): Message {
  return {
    partition,
    key: Buffer.concat([Buffer.from([0xff, partition, 0x00]), Buffer.from(String(sequence))]),
    value: Buffer.concat([randomBytes(64), Buffer.from([0x80, 0xfe])]),
    headers: { trace: [Buffer.from([0x00, 0x01, 0xff, 0xfe]), randomBytes(3)], kind: 'binary' },
  };
}

async function produceAll(
  brokers: string[],
  topic: string,
  batches: Message[][],
  options: { compression?: CompressionTypes; idempotent?: boolean } = {},
): Promise<Map<number, Message[]>> {
  const producer = quiet(brokers).producer({
    idempotent: options.idempotent ?? false,
    ...(options.idempotent ? { maxInFlightRequests: 1 } : {}),
  });
  await producer.connect();
  const sent = new Map<number, Message[]>();
  try {
    for (const batch of batches) {
      const compression = options.compression ?? CompressionTypes.None;
      // The idempotent producer is sent to as the functions do (packages/pipeline/src/kafka/producer.ts): sendBatch, acks -1.
      if (options.idempotent)
        await producer.sendBatch({ acks: -1, compression, topicMessages: [{ topic, messages: batch }] });
      else await producer.send({ topic, acks: -1, messages: batch, compression });
      for (const message of batch) {
        const partition = message.partition ?? 0;
        sent.set(partition, [...(sent.get(partition) ?? []), message]);
      }
    }
  } finally {
    await producer.disconnect();
  }
  return sent;
}

/** Produce the batches, read them back in a fresh group, and check them record by record. */
async function roundTrip(
  target: BrokerTarget,
  topic: string,
  batches: Message[][],
  label: string,
  options: { compression?: CompressionTypes; idempotent?: boolean } = {},
): Promise<void> {
  const sent = await produceAll(target.brokers, topic, batches, options);
  const read = await readRecords({
    brokers: target.brokers,
    topic,
    groupId: groupId(topic, 'reader'),
    count: batches.flat().length,
    timeoutMs: 15_000,
  });
  checkPartitions(read, sent, label);
}

const concurrentGroups: ConformanceCase = {
  id: 'concurrent-groups',
  title: '6 consumer groups read while a producer appends 2,000 binary records (offsets, order, bytes)',
  required: true,
  async run(target, topic) {
    await target.createTopic(topic, 3);
    const batches = Array.from({ length: 40 }, (_, batch) =>
      Array.from({ length: 50 }, (_, index) => binaryMessage((batch * 50 + index) % 3, batch * 50 + index)),
    );
    const crashes: unknown[] = [];
    const readers = Array.from({ length: 6 }, (_, reader) =>
      readRecords({
        brokers: target.brokers,
        topic,
        groupId: groupId(topic, `reader-${reader}`),
        count: 2000,
        timeoutMs: 60_000,
        onCrash: (error) => crashes.push(error),
      }),
    );
    const sent = await produceAll(target.brokers, topic, batches);
    const reads = await Promise.all(readers);
    if (crashes.length > 0) fail(`${crashes.length} consumer crash(es): ${String(crashes[0])}`);
    for (const [reader, read] of reads.entries()) checkPartitions(read, sent, `group ${reader}`);
    return '6 × 2,000 records exact';
  },
};

const gzip: ConformanceCase = {
  id: 'compression-gzip',
  title: 'gzip record batches from kafkajs are stored and read back (or refused loudly)',
  required: true,
  async run(target, topic) {
    await target.createTopic(topic, 1);
    const batches = Array.from({ length: 4 }, (_, batch) =>
      Array.from({ length: 50 }, (_, index) => ({
        partition: 0,
        key: `k-${batch}-${index}`,
        value: JSON.stringify({ batch, index, text: 'compressible '.repeat(40) }),
        headers: { codec: 'gzip' },
      })),
    );
    await roundTrip(target, topic, batches, 'gzip', { compression: CompressionTypes.GZIP });
    return '200 records in 4 gzip batches';
  },
};

function kcatCodec(codec: 'snappy' | 'lz4' | 'zstd'): ConformanceCase {
  return {
    id: `compression-${codec}`,
    title: `${codec} record batches from librdkafka (kcat) are stored and read back`,
    required: false,
    needs: 'kcat',
    async run(target, topic) {
      await target.createTopic(topic, 1);
      const lines = Array.from(
        { length: 100 },
        (_, index) => `k${index}\t${index} ${'compressible '.repeat(40)}`,
      );
      await kcatProduce(target.brokers, topic, lines, codec);
      const read = await kcatConsume(target.brokers, topic, lines.length);
      if (read.length !== lines.length)
        fail(`${codec}: acknowledged ${lines.length}, read back ${read.length}`);
      read.forEach((line, index) => {
        if (line !== lines[index]) fail(`${codec}: record ${index} differs from what was sent`);
      });
      return `${lines.length} records`;
    },
  };
}

const idempotent: ConformanceCase = {
  id: 'idempotent-producer',
  title:
    'an idempotent producer (one request in flight) sends batches of several records to one partition with sendBatch, acks -1',
  required: true,
  async run(target, topic) {
    await target.createTopic(topic, 2);
    const batches = Array.from({ length: 5 }, (_, batch) =>
      Array.from({ length: 10 }, (_, index) => binaryMessage(index % 2, batch * 10 + index)),
    );
    await roundTrip(target, topic, batches, 'idempotent', { idempotent: true });
    return '5 requests × 10 records';
  },
};

const rebalance: ConformanceCase = {
  id: 'group-rebalance',
  title: 'two members split the partitions; when one leaves, the other takes them all',
  required: true,
  async run(target, topic) {
    await target.createTopic(topic, 4);
    const kafka = quiet(target.brokers);
    const group = groupId(topic, 'members');
    const assignments = new Map<string, number[]>();
    const member = (name: string) => {
      const consumer = kafka.consumer({
        groupId: group,
        sessionTimeout: 6000,
        heartbeatInterval: 200,
        maxWaitTimeInMs: 100,
      });
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        assignments.set(name, event.payload.memberAssignment[topic] ?? []);
      });
      return consumer;
    };
    const first = member('first');
    const second = member('second');
    const started = performance.now();
    try {
      for (const consumer of [first, second]) {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({ eachMessage: async () => {} });
      }
      const split = await waitFor(() => {
        const a = assignments.get('first') ?? [];
        const b = assignments.get('second') ?? [];
        return a.length > 0 && b.length > 0 && a.length + b.length === 4 && a.every((p) => !b.includes(p));
        // 8 s when the machine is quiet; once it took over 30 s under a full parallel test run.
      }, 60_000);
      if (!split)
        fail(`members never split 4 partitions: ${JSON.stringify(Object.fromEntries(assignments))}`);
      const splitMs = Math.round(performance.now() - started);
      const left = performance.now();
      await second.disconnect();
      const taken = await waitFor(() => (assignments.get('first') ?? []).length === 4, 30_000);
      if (!taken) fail('the remaining member never took over the partitions of the member that left');
      return `split after ${splitMs} ms, taken over ${Math.round(performance.now() - left)} ms after a leave`;
    } finally {
      await Promise.all([first.disconnect(), second.disconnect()]);
    }
  },
};

const offsets: ConformanceCase = {
  id: 'offsets-resume',
  title: 'committed offsets are fetched back and a new member resumes after them',
  required: true,
  async run(target, topic) {
    await target.createTopic(topic, 1);
    const messages = Array.from({ length: 20 }, (_, index) => ({
      partition: 0,
      key: `k${index}`,
      value: `v${index}`,
    }));
    await produceAll(target.brokers, topic, [messages]);
    const kafka = quiet(target.brokers);
    const group = groupId(topic, 'resume');
    const first = kafka.consumer({
      groupId: group,
      sessionTimeout: 6000,
      heartbeatInterval: 200,
      maxWaitTimeInMs: 100,
    });
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    await first.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        seen += 1;
        if (Number(message.offset) === 9) {
          await first.commitOffsets([{ topic, partition: 0, offset: '10' }]);
          first.pause([{ topic }]);
        }
      },
    });
    const committed = await waitFor(() => seen >= 10, 15_000);
    await first.disconnect();
    if (!committed) fail(`the first member read ${seen} of 10 records`);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [fetched] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const offset = fetched?.partitions.find((partition) => partition.partition === 0)?.offset;
      if (offset !== '10') fail(`fetchOffsets returned ${offset}, expected 10`);
    } finally {
      await admin.disconnect();
    }
    const resumed = await readRecords({
      brokers: target.brokers,
      topic,
      groupId: group,
      count: 10,
      timeoutMs: 15_000,
    });
    const first10 = resumed[0]?.offset;
    if (resumed.length !== 10 || first10 !== 10)
      fail(`resumed at offset ${first10} with ${resumed.length} records`);
    return 'resumed at 10';
  },
};

const topicCreation: ConformanceCase = {
  id: 'create-topics',
  title: "admin.createTopics with partitions and the project's topic configs, read back by describeConfigs",
  required: true,
  async run(target, topic) {
    const admin = quiet(target.brokers).admin();
    await admin.connect();
    const configs = topicConfigs('orders.commands');
    try {
      await createTopicsAndWait(admin, [
        {
          topic,
          numPartitions: 5,
          configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
        },
      ]);
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = metadata.topics[0]?.partitions.length;
      if (partitions !== 5) fail(`created with ${partitions} partitions, asked for 5`);
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            // A named import of ConfigResourceTypes fails: Node cannot see it among kafkajs' CommonJS exports.
            type: kafkajs.ConfigResourceTypes.TOPIC,
            name: topic,
            configNames: Object.keys(configs),
          },
        ],
      });
      const entries = described.resources[0]?.configEntries ?? [];
      for (const [name, value] of Object.entries(configs)) {
        const got = entries.find((entry) => entry.configName === name)?.configValue;
        if (got !== value) fail(`${name} reads back as ${got}, created with ${value}`);
      }
      return `5 partitions, ${Object.keys(configs).join(' and ')} read back`;
    } catch (error) {
      if (error instanceof ConformanceError) throw error;
      fail(`createTopics failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await admin.disconnect();
    }
  },
};

const concurrentTopicCreation: ConformanceCase = {
  id: 'create-topics-at-once',
  title:
    "60 topics created at once are each usable at once (the project's wait; kafkajs' own waitForLeaders: reported)",
  required: true,
  async run(target, topic) {
    const kafka = quiet(target.brokers);
    const names = Array.from({ length: 60 }, (_, index) => `${topic}.${index}`);
    // kafkajs' own wait, half of them: on KRaft it may reject a topic it created (kafkajs #815).
    const kafkajsWait = await Promise.all(
      names.slice(0, 30).map(async (name) => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          await admin.createTopics({ waitForLeaders: true, topics: [{ topic: name, numPartitions: 6 }] });
          return 'created';
        } catch (error) {
          return error instanceof Error ? error.message : String(error);
        } finally {
          await admin.disconnect();
        }
      }),
    );
    // The project's wait, the other half, then a record to every one of the 60 at once.
    await Promise.all(names.slice(30).map((name) => target.createTopic(name, 6)));
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createTopicsAndWait(
        admin,
        names.map((name) => ({ topic: name, numPartitions: 6 })),
      );
      const listed = new Set(await admin.listTopics());
      const absent = names.filter((name) => !listed.has(name));
      if (absent.length > 0) fail(`${absent.length} of 60 topics do not exist`);
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: names.map((name) => ({ topic: name, messages: [{ key: 'k', value: 'v' }] })),
      });
    } catch (error) {
      fail(`producing to the new topics failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await producer.disconnect();
    }
    const rejected = kafkajsWait.filter((outcome) => outcome !== 'created');
    return `60 usable; kafkajs waitForLeaders rejected ${rejected.length} of 30 it had created${rejected[0] ? ` ("${rejected[0]}")` : ''}`;
  },
};

const largeMessage: ConformanceCase = {
  id: 'large-message',
  title: 'a 1,000,000-byte value round-trips byte for byte',
  required: true,
  async run(target, topic) {
    await target.createTopic(topic, 1);
    const message = { partition: 0, key: 'large', value: randomBytes(1_000_000) };
    await roundTrip(target, topic, [[message]], 'large');
    return '1 MB exact';
  },
};

const recordTooLarge: ConformanceCase = {
  id: 'record-too-large',
  title:
    "a record batch above the topic's max.message.bytes (MSK's default) is refused with MESSAGE_TOO_LARGE",
  required: true,
  async run(target, topic) {
    const admin = quiet(target.brokers).admin();
    await admin.connect();
    try {
      await createTopicsAndWait(admin, [
        {
          topic,
          numPartitions: 1,
          configEntries: [{ name: 'max.message.bytes', value: String(KAFKA_MESSAGE_MAX_BYTES) }],
        },
      ]);
    } finally {
      await admin.disconnect();
    }
    // The value alone is the limit: with the batch's own header the batch is over it.
    const message = { partition: 0, key: 'too-large', value: randomBytes(KAFKA_MESSAGE_MAX_BYTES) };
    const refused = await produceAll(target.brokers, topic, [[message]]).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (refused === undefined) fail(`a ${KAFKA_MESSAGE_MAX_BYTES}-byte value was accepted`);
    if (!kafkaErrorTypes(refused).includes('MESSAGE_TOO_LARGE'))
      fail(`refused, but not with MESSAGE_TOO_LARGE: ${String(refused)}`);
    return `${KAFKA_MESSAGE_MAX_BYTES}-byte value refused: MESSAGE_TOO_LARGE`;
  },
};

const binaryHeaders: ConformanceCase = {
  id: 'binary-headers',
  title: 'binary keys and repeated binary headers keep their bytes and order',
  required: true,
  async run(target, topic) {
    await target.createTopic(topic, 1);
    const messages = Array.from({ length: 10 }, (_, index) => binaryMessage(0, index));
    await roundTrip(target, topic, [messages], 'headers');
    return '10 records exact';
  },
};

const restart: ConformanceCase = {
  id: 'restart',
  title:
    'after the broker is killed (SIGKILL) and restarted on the same address, clients reconnect and acknowledged records are kept',
  required: false,
  needs: 'restart',
  async run(target, topic) {
    if (!target.restart) fail('this target cannot be restarted by the suite');
    await target.createTopic(topic, 1);
    await produceAll(target.brokers, topic, [[{ partition: 0, key: 'before', value: 'before' }]]);
    await target.restart();
    await target.createTopic(topic, 1);
    await produceAll(target.brokers, topic, [[{ partition: 0, key: 'after', value: 'after' }]]);
    const read = await readRecords({
      brokers: target.brokers,
      topic,
      groupId: groupId(topic, 'reader'),
      count: 2,
      timeoutMs: 5_000,
    });
    const keys = read.map((record) => record.key?.toString());
    if (!keys.includes('after')) fail('no record produced after the restart was read');
    if (!keys.includes('before')) fail('the record acknowledged before the restart is gone');
    return 'reconnected, records kept';
  },
};

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Every case, in the order the table shows them. */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  concurrentGroups,
  gzip,
  kcatCodec('snappy'),
  kcatCodec('lz4'),
  kcatCodec('zstd'),
  idempotent,
  rebalance,
  offsets,
  topicCreation,
  concurrentTopicCreation,
  largeMessage,
  recordTooLarge,
  binaryHeaders,
  restart,
];
