import { Kafka, type KafkaConfig, logLevel, type Producer } from 'kafkajs';

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
}

/** How a client authenticates to the brokers: `iam` (MSK IAM over TLS, port 9098) or `none` (plaintext, local). */
export const KAFKA_AUTH_MODES = { iam: 'iam', none: 'none' } as const;

/** The Kafka configuration in the environment is missing or wrong. Names the variable and the fix. */
export class KafkaConfigurationError extends Error {
  override readonly name = 'KafkaConfigurationError';
}

/**
 * The cluster's IAM bootstrap brokers, asked of MSK once per container (`kafka:GetBootstrapBrokers`):
 * the cluster ARN is the one source of truth, no second hand-kept broker list that could drift from it.
 * The SDK client is loaded only here, on the first connect, to keep it off every cold start.
 * https://docs.aws.amazon.com/msk/1.0/apireference/clusters-clusterarn-bootstrap-brokers.html
 */
function clusterBrokers(clusterArn: string, region: string | undefined): () => Promise<string[]> {
  let brokers: Promise<string[]> | undefined;
  return () => {
    brokers ??= (async () => {
      const { KafkaClient, GetBootstrapBrokersCommand } = await import('@aws-sdk/client-kafka');
      const client = new KafkaClient(region ? { region } : {});
      try {
        const answer = await client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
        const list = splitBrokers(answer.BootstrapBrokerStringSaslIam);
        if (list.length === 0)
          throw new KafkaConfigurationError(
            `cluster ${clusterArn} has no IAM bootstrap brokers: turn on IAM access control on the cluster`,
          );
        return list;
      } finally {
        client.destroy();
      }
    })().catch((error: unknown) => {
      brokers = undefined;
      throw error;
    });
    return brokers;
  };
}

function splitBrokers(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
}

/** The region of an ARN (`arn:aws:kafka:<region>:…`). */
function regionOf(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/**
 * Client configuration from the environment:
 * - brokers: `KAFKA_BROKERS` (comma-separated), else those of the cluster `MSK_CLUSTER_ARN` (deployed
 *   functions get only the ARN; see {@link clusterBrokers});
 * - `KAFKA_AUTH`: `iam` (the default, as deployed) or `none` (the local broker). Anything else is an
 *   error, never a silent fall back to plaintext.
 */
export function kafkaConfig(env: NodeJS.ProcessEnv = process.env): KafkaConfig {
  const auth = env.KAFKA_AUTH ?? KAFKA_AUTH_MODES.iam;
  if (auth !== KAFKA_AUTH_MODES.iam && auth !== KAFKA_AUTH_MODES.none)
    throw new KafkaConfigurationError(`KAFKA_AUTH=${auth} is not supported: use iam (MSK) or none (local)`);
  const listed = splitBrokers(env.KAFKA_BROKERS);
  const clusterArn = env.MSK_CLUSTER_ARN;
  if (listed.length === 0 && !clusterArn)
    throw new KafkaConfigurationError(
      'no Kafka brokers: set MSK_CLUSTER_ARN (deployed) or KAFKA_BROKERS (comma-separated host:port)',
    );
  const region = env.AWS_REGION ?? (clusterArn ? regionOf(clusterArn) : undefined);
  const config: KafkaConfig = {
    clientId: env.AWS_LAMBDA_FUNCTION_NAME ?? 'kafka-patterns',
    brokers: listed.length > 0 || !clusterArn ? listed : clusterBrokers(clusterArn, region),
    logLevel: logLevel.ERROR,
  };
  if (auth === KAFKA_AUTH_MODES.iam) {
    if (!region)
      throw new KafkaConfigurationError('MSK IAM needs a region: set AWS_REGION (Lambda sets it for you)');
    config.ssl = true;
    config.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
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
    // Idempotent with one request in flight: per-partition order survives producer retries (docs/aws-behaviours.md, "Producing to MSK from a function").
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
  // KAFKA_IDEMPOTENT=false only for the bundled local broker: kafkajs' idempotent producer cannot
  // start on librdkafka's mock cluster (docs/local-infrastructure.md).
  publisher ??= new KafkaPublisher(kafkaConfig(), process.env.KAFKA_IDEMPOTENT !== 'false');
  return publisher;
}
