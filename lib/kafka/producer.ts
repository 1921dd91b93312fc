import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { Kafka, type KafkaConfig, logLevel, type Producer } from 'kafkajs';

/** A message ready to send: value already serialised, headers as text. */
export interface OutgoingRecord {
  topic: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** What the pipeline needs from Kafka: send records, in order, and wait for every ack. */
export interface Publisher {
  publish(records: readonly OutgoingRecord[]): Promise<void>;
}

/**
 * Client configuration from the environment: `KAFKA_BROKERS` (comma-separated) and `KAFKA_AUTH`
 * (`iam` for MSK IAM on port 9098, reference §7; anything else: plaintext, as the local broker).
 */
export function kafkaConfig(env: NodeJS.ProcessEnv = process.env): KafkaConfig {
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  if (brokers.length === 0)
    throw new Error('KAFKA_BROKERS is not set: it lists the Kafka brokers to publish to');
  const config: KafkaConfig = {
    clientId: env.AWS_LAMBDA_FUNCTION_NAME ?? 'kafka-patterns',
    brokers,
    logLevel: logLevel.ERROR,
  };
  if (env.KAFKA_AUTH === 'iam') {
    const region = env.AWS_REGION ?? 'eu-west-1';
    config.ssl = true;
    config.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        const { token } = await generateAuthToken({ region });
        return { value: token };
      },
    };
  }
  return config;
}

class KafkaPublisher implements Publisher {
  readonly #producer: Producer;
  #connected: Promise<void> | undefined;

  constructor(config: KafkaConfig, idempotent: boolean) {
    // Idempotent with one request in flight: per-partition order survives producer retries (reference §7).
    // One request in flight keeps the order even without idempotence; retries may then duplicate a
    // message, which consumers drop by its id.
    this.#producer = new Kafka(config).producer({ idempotent, maxInFlightRequests: 1 });
  }

  async publish(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.#connected ??= this.#producer.connect().catch((error: unknown) => {
      this.#connected = undefined;
      throw error;
    });
    await this.#connected;
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const record of records) byTopic.set(record.topic, [...(byTopic.get(record.topic) ?? []), record]);
    await this.#producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({
        topic,
        messages: messages.map(({ key, value, headers }) => ({ key, value, headers })),
      })),
    });
  }

  async disconnect(): Promise<void> {
    if (this.#connected) await this.#producer.disconnect();
    this.#connected = undefined;
  }
}

let publisher: KafkaPublisher | undefined;

/** One producer per container, connected on first use, reused across invocations. */
export function getPublisher(): Publisher & { disconnect(): Promise<void> } {
  // KAFKA_IDEMPOTENT=false only for the local Mokapi broker, which rejects an idempotent batch of
  // several records for one partition ("out of order sequence number").
  publisher ??= new KafkaPublisher(kafkaConfig(), process.env.KAFKA_IDEMPOTENT !== 'false');
  return publisher;
}
