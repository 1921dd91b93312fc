import { localDynamoDbClient, startDynamoDbLocal } from './dynamodb-local.js';
import { InfrastructureError } from './errors.js';
import { type RunningBroker, startApacheKafka } from './kafka-broker.js';
import { createTopics } from './kafka-topics.js';
import { stopChild } from './process.js';
import { loadServerlessConfig, type ServerlessConfig, serverlessFile } from './serverless-config.js';
import { createDeclaredTables } from './tables.js';

export interface Infrastructure {
  dynamodbEndpoint: string;
  kafkaBrokers: string[];
  /** the broker this process started (Apache Kafka); undefined on a KAFKA_BROKERS cluster */
  broker?: RunningBroker;
  /** what the broker says it is: `Apache Kafka 4.1.2 (started here)` or the KAFKA_BROKERS list */
  brokerDescription: string;
  tables: string[];
  config: ServerlessConfig;
  /** serverless.yml `provider.environment` plus the local endpoints: what a function runs with */
  functionEnvironment: Record<string, string>;
  /** start-up milliseconds, for the record */
  timings: { dynamodb: number; kafka: number; tables: number; total: number };
  /** PIDs of the services this process started (none for external ones), at the time of the call */
  pids: () => number[];
  stop: () => Promise<void>;
}

/** What {@link startInfrastructure} starts, and for which service. */
export interface InfrastructureOptions {
  /** the topics to create, dead-letter topics included, with `topicSettings` partitions and configs */
  topics: readonly string[];
  /**
   * The stage of serverless.yml whose tables and environment are used.
   * @default 'dev'
   */
  stage?: string | undefined;
  /**
   * Where `DYNAMODB_ENDPOINT`, `KAFKA_BROKERS`, `DYNAMODB_PORT`, `KAFKA_AUTH` and the Powertools
   * variables are read: the one place the emulator reads the environment.
   * @default process.env
   */
  env?: NodeJS.ProcessEnv | undefined;
  /** variables every function gets on top of serverless.yml's and the local endpoints */
  functionEnvironment?: Readonly<Record<string, string>> | undefined;
  /**
   * The directory of serverless.yml.
   * @default process.cwd()
   */
  serviceDirectory?: string | undefined;
}

function portOption(env: NodeJS.ProcessEnv, name: string): { port?: number } {
  const value = env[name];
  if (value === undefined || value === '') return {};
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InfrastructureError('dynamodb', `${name}=${value} is not a port number`);
  }
  return { port };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: Math.round(performance.now() - started) };
}

/**
 * Start (or connect to) everything the functions need: DynamoDB Local and Apache Kafka on free
 * loopback ports, the tables of serverless.yml and the given topics (with the partitions and
 * configuration the stack deploys). `DYNAMODB_ENDPOINT` / `KAFKA_BROKERS` use external
 * services instead; `DYNAMODB_PORT` fixes DynamoDB Local's port. Services started here are stopped by
 * `stop()`, by a watchdog when this process dies (SIGKILL included), and on a failed start before this
 * function rejects.
 *
 * @param options - the topics, stage, environment, extra function environment and service directory
 * @example
 * ```ts
 * const infrastructure = await startInfrastructure({ topics: ['orders.commands', 'orders.commands.dlq'] });
 * process.env.DYNAMODB_ENDPOINT = infrastructure.dynamodbEndpoint;
 * process.env.KAFKA_BROKERS = infrastructure.kafkaBrokers.join(',');
 * // …
 * await infrastructure.stop();
 * ```
 */
export async function startInfrastructure(options: InfrastructureOptions): Promise<Infrastructure> {
  const env = options.env ?? process.env;
  const started = performance.now();
  const config = loadServerlessConfig(
    { stage: options.stage, env },
    serverlessFile(options.serviceDirectory),
  );
  const stops: Array<() => Promise<void>> = [];
  const pids: Array<() => number | undefined> = [];

  const stop = async () => {
    await Promise.all(stops.map((stopOne) => stopOne()));
  };

  const startDynamo = async (): Promise<string> => {
    if (env.DYNAMODB_ENDPOINT) return env.DYNAMODB_ENDPOINT;
    const running = await startDynamoDbLocal(portOption(env, 'DYNAMODB_PORT'));
    stops.push(() => stopChild(running.process));
    pids.push(() => running.process.pid);
    return running.endpoint;
  };
  const startKafka = async (): Promise<{ brokers: string[]; broker?: RunningBroker }> => {
    if (env.KAFKA_BROKERS) {
      const brokers = env.KAFKA_BROKERS.split(',').map((broker) => broker.trim());
      await createTopics(brokers, options.topics);
      return { brokers };
    }
    if (env.KAFKA_PORT) {
      throw new InfrastructureError(
        'kafka',
        'KAFKA_PORT is not supported: the local broker picks free loopback ports — unset KAFKA_PORT, or set KAFKA_BROKERS to a cluster of yours',
      );
    }
    const broker = await startApacheKafka({
      topics: options.topics,
      env,
      onFetch: (message) => console.error(`kafka: ${message}`),
    });
    stops.push(() => broker.stop());
    pids.push(() => broker.process().pid);
    return { brokers: broker.brokers, broker };
  };

  try {
    // allSettled, not all: a service still starting when the other fails must be stopped too.
    const [dynamoStart, kafkaStart] = await Promise.allSettled([timed(startDynamo), timed(startKafka)]);
    if (dynamoStart.status === 'rejected') throw dynamoStart.reason;
    if (kafkaStart.status === 'rejected') throw kafkaStart.reason;
    const [dynamo, kafka] = [dynamoStart.value, kafkaStart.value];
    const client = localDynamoDbClient(dynamo.value);
    const tables = await timed(() => createDeclaredTables(client, config)).finally(() => client.destroy());
    // What a deployed function gets, minus the cluster it would ask for brokers, plus the local endpoints.
    const { MSK_CLUSTER_ARN: _cluster, ...deployedEnvironment } = config.provider.environment ?? {};
    const { brokers, broker } = kafka.value;
    const functionEnvironment: Record<string, string> = {
      ...deployedEnvironment,
      DYNAMODB_ENDPOINT: dynamo.value,
      KAFKA_BROKERS: brokers.join(','),
      // The local broker (and a KAFKA_BROKERS cluster given here) speaks plaintext, not MSK IAM.
      KAFKA_AUTH: env.KAFKA_AUTH ?? 'none',
      POWERTOOLS_LOG_LEVEL: env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: env.POWERTOOLS_METRICS_DISABLED ?? 'true',
      ...options.functionEnvironment,
    };
    return {
      dynamodbEndpoint: dynamo.value,
      kafkaBrokers: brokers,
      ...(broker ? { broker } : {}),
      brokerDescription: broker
        ? `Apache Kafka ${broker.version} on ${brokers.join(',')} (started here)`
        : `KAFKA_BROKERS=${brokers.join(',')}`,
      tables: tables.value,
      config,
      functionEnvironment,
      timings: {
        dynamodb: dynamo.ms,
        kafka: kafka.ms,
        tables: tables.ms,
        total: Math.round(performance.now() - started),
      },
      pids: () => pids.map((pid) => pid()).filter((pid): pid is number => pid !== undefined),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
