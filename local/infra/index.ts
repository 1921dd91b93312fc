import type { ChildProcess } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { ALL_TOPICS } from '../../lib/contracts/topics.js';
import { localDynamoDbClient, type RunningDynamoDb, startDynamoDbLocal } from './dynamodb-local.js';
import { InfrastructureError } from './errors.js';
import { startBundledBroker } from './kafka-broker.js';
import { MOCK_PARTITIONS } from './mock-topics.js';
import { stopChild } from './process.js';
import { loadServerlessConfig, type ServerlessConfig } from './serverless-config.js';
import { createDeclaredTables } from './tables.js';

/**
 * Partitions per topic on the local broker: the bundled mock cluster's fixed count, also used for the
 * topics created on a KAFKA_BROKERS cluster. Enough to exercise per-partition ordering and batching.
 */
export const LOCAL_PARTITIONS = MOCK_PARTITIONS;

export interface Infrastructure {
  dynamodbEndpoint: string;
  kafkaBrokers: string[];
  tables: string[];
  config: ServerlessConfig;
  /** the broker is the bundled mock cluster (not a KAFKA_BROKERS cluster): topics are made by metadata, not CreateTopics */
  bundledBroker: boolean;
  /** serverless.yml `provider.environment` plus the local endpoints: what a function runs with */
  functionEnvironment: Record<string, string>;
  /** start-up milliseconds, for the record */
  timings: { dynamodb: number; kafka: number; tables: number; total: number };
  /** PIDs of the services this process started (none for external ones) */
  pids: number[];
  stop: () => Promise<void>;
}

export interface InfrastructureOptions {
  stage?: string;
  env?: NodeJS.ProcessEnv;
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

/** On an external cluster the topics may not exist yet; create the missing ones. */
async function ensureTopics(brokers: string[], topics: readonly string[], partitions: number): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Start (or connect to) everything the functions need: DynamoDB Local and the bundled Kafka broker
 * (librdkafka's mock cluster) on free loopback ports, the tables of serverless.yml and the topics of
 * the contracts. `DYNAMODB_ENDPOINT` / `KAFKA_BROKERS` use external services instead; `DYNAMODB_PORT`
 * fixes DynamoDB Local's port. Services started here are stopped by `stop()`, by a watchdog when this process
 * dies (SIGKILL included), and on a failed start before this function rejects.
 */
export async function startInfrastructure(options: InfrastructureOptions = {}): Promise<Infrastructure> {
  const env = options.env ?? process.env;
  const started = performance.now();
  const config = loadServerlessConfig({ stage: options.stage, env });
  const children: ChildProcess[] = [];

  const stop = async () => {
    await Promise.all(children.map((child) => stopChild(child)));
  };

  const startDynamo = async (): Promise<string> => {
    if (env.DYNAMODB_ENDPOINT) return env.DYNAMODB_ENDPOINT;
    const running: RunningDynamoDb = await startDynamoDbLocal(portOption(env, 'DYNAMODB_PORT'));
    children.push(running.process);
    return running.endpoint;
  };
  const startKafka = async (): Promise<string[]> => {
    if (env.KAFKA_BROKERS) {
      const brokers = env.KAFKA_BROKERS.split(',').map((broker) => broker.trim());
      await ensureTopics(brokers, ALL_TOPICS, LOCAL_PARTITIONS);
      return brokers;
    }
    if (env.KAFKA_PORT) {
      throw new InfrastructureError(
        'kafka',
        "KAFKA_PORT is not supported: the bundled broker (librdkafka's mock cluster) picks its own free loopback port — unset KAFKA_PORT, or set KAFKA_BROKERS to a cluster of yours",
      );
    }
    const running = await startBundledBroker({ topics: ALL_TOPICS });
    children.push(running.process);
    return running.brokers;
  };

  try {
    // allSettled, not all: a service still starting when the other fails must be stopped too.
    const [dynamoStart, kafkaStart] = await Promise.allSettled([timed(startDynamo), timed(startKafka)]);
    if (dynamoStart.status === 'rejected') throw dynamoStart.reason;
    if (kafkaStart.status === 'rejected') throw kafkaStart.reason;
    const [dynamo, kafka] = [dynamoStart.value, kafkaStart.value];
    const pids = children.map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
    const client = localDynamoDbClient(dynamo.value);
    const tables = await timed(() => createDeclaredTables(client, config)).finally(() => client.destroy());
    // What a deployed function gets, minus the cluster it would ask for brokers, plus the local endpoints.
    const { MSK_CLUSTER_ARN: _cluster, ...deployedEnvironment } = config.provider.environment ?? {};
    const functionEnvironment: Record<string, string> = {
      ...deployedEnvironment,
      DYNAMODB_ENDPOINT: dynamo.value,
      KAFKA_BROKERS: kafka.value.join(','),
      // The local broker (and a KAFKA_BROKERS cluster given here) speaks plaintext, not MSK IAM.
      KAFKA_AUTH: env.KAFKA_AUTH ?? 'none',
      // kafkajs' idempotent producer cannot start on the mock cluster: it asks for the controller the
      // mock names (broker 0), which does not exist (docs/local-infrastructure.md).
      KAFKA_IDEMPOTENT: env.KAFKA_BROKERS ? 'true' : 'false',
      // The demo's flaky provider (npm start sets 0.2); deployed stages keep serverless.yml's 0.
      ...(env.PAYMENT_PROVIDER_FAILURE_RATE
        ? { PAYMENT_PROVIDER_FAILURE_RATE: env.PAYMENT_PROVIDER_FAILURE_RATE }
        : {}),
      POWERTOOLS_LOG_LEVEL: env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    };
    return {
      dynamodbEndpoint: dynamo.value,
      kafkaBrokers: kafka.value,
      bundledBroker: !env.KAFKA_BROKERS,
      tables: tables.value,
      config,
      functionEnvironment,
      timings: {
        dynamodb: dynamo.ms,
        kafka: kafka.ms,
        tables: tables.ms,
        total: Math.round(performance.now() - started),
      },
      pids,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
