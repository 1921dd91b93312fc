import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { KafkaConfig, Producer } from 'kafkajs';
import { KafkaConfigurationError } from './errors.js';
import { bootstrapBrokers, mskIamToken, parseClusterArn, splitBrokers } from './msk-iam.js';
import { sizedRuns } from './record-size.js';

/**
 * A message ready to send: value already serialised. Key and header values may be bytes, and a header
 * name given a list is sent once per value, in order: what is passed on (a dead letter, a redrive)
 * keeps every byte.
 */
export interface OutgoingRecord {
  topic: string;
  key: string | Buffer | null;
  value: string;
  headers: Record<string, string | Buffer | Array<string | Buffer>>;
}

/** What the pipeline needs from Kafka: send records, in order, and wait for every ack. */
export interface Publisher {
  publish(records: readonly OutgoingRecord[]): Promise<void>;
  /**
   * Open the connection ahead of the first publish, so that it overlaps other work; a failure is
   * the next publish's to report. Optional: a publisher without connections need not have it.
   */
  connect?(): Promise<void>;
}

/** How a client authenticates to the brokers: `iam` (MSK IAM over TLS, port 9098) or `none` (plaintext, local). */
export const KAFKA_AUTH_MODES = { iam: 'iam', none: 'none' } as const;

/**
 * The cluster's IAM bootstrap brokers, asked of MSK once per container (`kafka:GetBootstrapBrokers`):
 * the cluster ARN is the one source of truth, no second hand-kept broker list that could drift from it.
 * A failed answer is asked again on the next connect.
 */
function clusterBrokers(
  clusterArn: string,
  endpoint: string | undefined,
  credentials: AwsCredentialIdentityProvider,
): () => Promise<string[]> {
  let brokers: Promise<string[]> | undefined;
  return () => {
    brokers ??= bootstrapBrokers(clusterArn, {
      credentials,
      ...(endpoint ? { endpoint } : {}),
    }).catch((error: unknown) => {
      brokers = undefined;
      throw error;
    });
    return brokers;
  };
}

/** The client id of a client that names none, outside Lambda. */
export const DEFAULT_KAFKA_CLIENT_ID = 'kafka-patterns';

/** What {@link kafkaConfig} takes besides the environment. */
export interface KafkaClientOptions {
  /** signs MSK IAM tokens and asks MSK for the brokers (not called for `KAFKA_AUTH=none` with `KAFKA_BROKERS`) */
  credentials: AwsCredentialIdentityProvider;
  /**
   * The client id the brokers log and quote against.
   * @default `AWS_LAMBDA_FUNCTION_NAME`, else {@link DEFAULT_KAFKA_CLIENT_ID}
   */
  clientId?: string;
}

/** A publisher holding a connection: what a local process must close before it can exit. */
export type ConnectedPublisher = Publisher & { disconnect(): Promise<void> };

/**
 * Client configuration from the environment:
 * - brokers: `KAFKA_BROKERS` (comma-separated), else those of the cluster `MSK_CLUSTER_ARN` (deployed
 *   functions get only the ARN; brokers asked of MSK with `kafka:GetBootstrapBrokers`);
 * - `KAFKA_AUTH`: `iam` (the default, as deployed) or `none` (the local broker). Anything else is an
 *   error, never a silent fall back to plaintext;
 * - the MSK API endpoint, as the AWS SDKs find it: `AWS_ENDPOINT_URL_KAFKA`, else `AWS_ENDPOINT_URL`, else
 *   the region's (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 *
 * @param env - where the variables above are read
 * @param options - the credentials that sign MSK IAM tokens and ask MSK for brokers, and the client id
 * @example
 * ```ts
 * const kafka = new Kafka(kafkaConfig(process.env, { credentials: fromEnv(), clientId: 'dlq-tool' }));
 * ```
 */
export function kafkaConfig(env: NodeJS.ProcessEnv, options: KafkaClientOptions): KafkaConfig {
  const auth = env.KAFKA_AUTH ?? KAFKA_AUTH_MODES.iam;
  if (auth !== KAFKA_AUTH_MODES.iam && auth !== KAFKA_AUTH_MODES.none)
    throw new KafkaConfigurationError(`KAFKA_AUTH=${auth} is not supported: use iam (MSK) or none (local)`);
  const listed = splitBrokers(env.KAFKA_BROKERS);
  const clusterArn = env.MSK_CLUSTER_ARN;
  if (listed.length === 0 && !clusterArn)
    throw new KafkaConfigurationError(
      'no Kafka brokers: set MSK_CLUSTER_ARN (deployed) or KAFKA_BROKERS (comma-separated host:port)',
    );
  const region = env.AWS_REGION ?? (clusterArn ? parseClusterArn(clusterArn).region : undefined);
  const config: KafkaConfig = {
    clientId: options.clientId ?? env.AWS_LAMBDA_FUNCTION_NAME ?? DEFAULT_KAFKA_CLIENT_ID,
    brokers:
      listed.length > 0 || !clusterArn
        ? listed
        : clusterBrokers(clusterArn, env.AWS_ENDPOINT_URL_KAFKA ?? env.AWS_ENDPOINT_URL, options.credentials),
  };
  if (auth === KAFKA_AUTH_MODES.iam) {
    if (!region)
      throw new KafkaConfigurationError('MSK IAM needs a region: set AWS_REGION (Lambda sets it for you)');
    config.ssl = true;
    config.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        const { token } = await mskIamToken({ region, credentials: await options.credentials() });
        return { value: token };
      },
    };
  }
  return config;
}

/**
 * The {@link Publisher} on kafkajs: an idempotent producer, connected on first use.
 * @example
 * ```ts
 * const publisher = new KafkaPublisher(kafkaConfig(process.env, { credentials: fromNodeProviderChain() }));
 * await publisher.publish([{ topic: 'orders.events', key: 'order-1', value: JSON.stringify(envelope), headers: {} }]);
 * await publisher.disconnect();
 * ```
 */
export class KafkaPublisher implements ConnectedPublisher {
  readonly #config: KafkaConfig;
  #producer: Producer | undefined;
  #connected: Promise<Producer> | undefined;

  /** @param config - the client's configuration ({@link kafkaConfig}) */
  constructor(config: KafkaConfig) {
    this.#config = config;
  }

  /**
   * kafkajs is loaded on the first publish, not at init: a function that publishes only now and then
   * (a dead letter) never evaluates it (docs/aws-behaviours.md, "Cold starts").
   */
  async #connect(): Promise<Producer> {
    const { Kafka, logLevel } = await import('kafkajs');
    // Idempotent with one request in flight: per-partition order survives producer retries, and a
    // retried batch is not written twice (docs/aws-behaviours.md, "Producing to MSK from a function").
    // The same locally, on Apache Kafka: no local switch changes the publish path.
    this.#producer ??= new Kafka({ ...this.#config, logLevel: logLevel.ERROR }).producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await this.#producer.connect();
    return this.#producer;
  }

  /** Opens the connection ahead of the first publish (MSK IAM: signs a token, asks MSK for brokers). */
  async connect(): Promise<void> {
    await this.#producerConnected();
  }

  #producerConnected(): Promise<Producer> {
    this.#connected ??= this.#connect().catch((error: unknown) => {
      this.#connected = undefined;
      throw error;
    });
    return this.#connected;
  }

  /**
   * One request per run of records that fits the topics' `max.message.bytes` (most batches: one), the
   * runs one after the other so that each key keeps its order.
   *
   * @param records - the records, in the order each key must keep
   */
  async publish(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const producer = await this.#producerConnected();
    for (const run of sizedRuns(records)) {
      const byTopic = new Map<string, OutgoingRecord[]>();
      for (const record of run) byTopic.set(record.topic, [...(byTopic.get(record.topic) ?? []), record]);
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({
          topic,
          messages: messages.map(({ key, value, headers }) => ({ key, value, headers })),
        })),
      });
    }
  }

  /** Closes the connection, if open; the next publish opens a new one. */
  async disconnect(): Promise<void> {
    if (this.#connected) await this.#producer?.disconnect();
    this.#connected = undefined;
  }
}
