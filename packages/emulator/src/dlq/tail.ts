import { isDeadLetterTopic } from '@msk-patterns/pipeline';
import type { Consumer } from 'kafkajs';
import { type DeadLetter, type KafkaConnection, kafkaClient, letterOfMessage } from './dead-letters.js';

/** How often the tail looks for dead-letter topics created since it started. */
const TOPIC_CHECK_MS = 10_000;

/**
 * Every dead letter of a cluster, read once and then followed: what a console that shows letters
 * every few seconds needs, where {@link readDeadLetters} would read every topic from its start on each
 * request. It keeps the letters in memory (a letter is a few KB: 100,000 letters, a few hundred MB) and
 * reads from a consumer group of its own, committing nothing.
 *
 * @example
 * ```ts
 * const tail = new DeadLetterTail(['127.0.0.1:9092']);
 * const letters = await tail.letters(); // every letter so far; the next call adds what arrived since
 * await tail.stop();
 * ```
 */
export class DeadLetterTail {
  readonly #connection: KafkaConnection;
  readonly #letters = new Map<string, DeadLetter>();
  #consumer: Consumer | undefined;
  #topics: string[] = [];
  #started: Promise<void> | undefined;
  #checked = 0;

  /** @param connection - brokers, or a kafkajs configuration (MSK IAM) */
  constructor(connection: KafkaConnection) {
    this.#connection = connection;
  }

  /** The letters so far, in the order they were read; on the first call, once every topic is read to its end. */
  async letters(): Promise<DeadLetter[]> {
    this.#started ??= this.#follow().catch((error: unknown) => {
      this.#started = undefined;
      throw error;
    });
    await this.#started;
    if (Date.now() - this.#checked > TOPIC_CHECK_MS) await this.#followNewTopics();
    return [...this.#letters.values()];
  }

  /**
   * One letter, if read.
   *
   * @param id - `<dlq topic>/<partition>/<offset>`
   */
  async letter(id: string): Promise<DeadLetter | undefined> {
    await this.letters();
    return this.#letters.get(id);
  }

  /** Stops following (the letters read stay). */
  async stop(): Promise<void> {
    await this.#consumer?.disconnect();
    this.#consumer = undefined;
  }

  async #dlqTopics(): Promise<string[]> {
    const admin = kafkaClient(this.#connection).admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).filter(isDeadLetterTopic).sort();
    } finally {
      await admin.disconnect();
    }
  }

  /** Reads the topics there are from their start, and returns once it has reached their ends. */
  async #follow(): Promise<void> {
    const kafka = kafkaClient(this.#connection);
    this.#topics = await this.#dlqTopics();
    this.#checked = Date.now();
    const ends = new Map<string, number>();
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const topic of this.#topics)
        for (const { partition, high, low } of await admin.fetchTopicOffsets(topic))
          if (Number(high) > Number(low)) ends.set(`${topic}/${partition}`, Number(high) - 1);
    } finally {
      await admin.disconnect();
    }
    if (this.#topics.length === 0) return;
    const consumer = kafka.consumer({
      groupId: `dlq-tail-${Date.now()}-${Math.random()}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
    });
    this.#consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: this.#topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      if (ends.size === 0) resolve();
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            const letter = letterOfMessage(topic, partition, message);
            this.#letters.set(letter.id, letter);
            const key = `${topic}/${partition}`;
            if (Number(message.offset) >= (ends.get(key) ?? Number.POSITIVE_INFINITY)) ends.delete(key);
            if (ends.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  }

  /** A dead-letter topic created since: read everything again, with it (rare: a new consumer's first letter). */
  async #followNewTopics(): Promise<void> {
    this.#checked = Date.now();
    const topics = await this.#dlqTopics();
    if (topics.every((topic) => this.#topics.includes(topic))) return;
    await this.stop();
    this.#started = this.#follow();
    await this.#started;
  }
}
