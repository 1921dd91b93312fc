import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_MESSAGE_MAX_BYTES } from '../../lib/contracts/topics.js';
import { InfrastructureError } from './errors.js';
import { KAFKA_LOG_CONFIG, type KafkaDistribution, resolveKafkaDistribution } from './kafka-distribution.js';
import { createTopics } from './kafka-topics.js';
import { freePort } from './ports.js';
import { awaitReadiness, exited, guardChild, stopChild } from './process.js';

export interface RunningBroker {
  /** `127.0.0.1:<port>`: the PLAINTEXT listener clients use */
  brokers: string[];
  /** the Apache Kafka version running */
  version: string;
  /** the broker's configuration and data, deleted when it stops */
  dataDirectory: string;
  /** the broker's JVM now (a restart replaces it) */
  process(): ChildProcess;
  /** kill the broker (`SIGKILL`: as a crash; `SIGTERM`: a clean shutdown) and start it again on the same ports and data */
  restart(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** stop the broker and delete its data */
  stop(): Promise<void>;
}

/**
 * One KRaft node that is both broker and controller, configured like an MSK cluster where it matters
 * (docs/local-infrastructure.md, "Kafka"): topics only from CreateTopics, MSK's default record size
 * limit, replication factor 1 for the internal topics (one node), no initial rebalance delay.
 */
function serverProperties(dataDir: string, port: number, controllerPort: number): string {
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': join(dataDir, 'log'),
    // MSK: "auto.create.topics.enable: false" in its default configuration.
    'auto.create.topics.enable': false,
    // Apache Kafka's default, which MSK keeps (it is not in MSK's default configuration table).
    'message.max.bytes': KAFKA_MESSAGE_MAX_BYTES,
    // One node: the internal topics cannot have the 3 replicas Kafka asks for by default.
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // Kafka waits 3 s before the first rebalance of a new group, for more members to arrive. Tests
    // start groups all the time; MSK keeps the 3 s (docs/local-infrastructure.md).
    'group.initial.rebalance.delay.ms': 0,
    'broker.session.timeout.ms': 2000,
    'broker.heartbeat.interval.ms': 500,
  };
  return `${Object.entries(settings)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n')}\n`;
}

/** A KRaft cluster id: 16 random bytes, base64url without padding, as `kafka-storage.sh random-uuid` prints. */
const clusterId = () => randomBytes(16).toString('base64url');

/**
 * A bounded heap on a 2-core laptop (Kafka's scripts default to 1 GB with G1); the serial collector:
 * one broker, small heap, fewer threads competing with DynamoDB Local and the functions.
 */
const JVM_OPTIONS = [
  '-Xms128m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
  `-Dlog4j2.configurationFile=${KAFKA_LOG_CONFIG}`,
];

const run = promisify(execFile);

function javaMissing(error: NodeJS.ErrnoException): InfrastructureError {
  return new InfrastructureError(
    'kafka',
    error.code === 'ENOENT'
      ? 'java was not found on PATH: the local broker is Apache Kafka, which needs Java 17+ (apt-get install openjdk-17-jre-headless), or set KAFKA_BROKERS to a cluster of yours'
      : `could not start java: ${error.message}`,
  );
}

/** Format the node's storage: KRaft refuses to start on a log directory without a cluster id and a bootstrap checkpoint. */
async function formatStorage(distribution: KafkaDistribution, propertiesFile: string): Promise<void> {
  try {
    await run(
      'java',
      [
        ...JVM_OPTIONS,
        '-cp',
        distribution.classpath,
        'kafka.tools.StorageTool',
        'format',
        '--cluster-id',
        clusterId(),
        '--config',
        propertiesFile,
      ],
      { timeout: 60_000 },
    );
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw javaMissing(failure);
    throw new InfrastructureError(
      'kafka',
      `formatting the broker's storage failed: ${(failure.stderr || failure.message).trim().split('\n').slice(-3).join(' | ')}. Apache Kafka ${distribution.version} needs Java 17+`,
    );
  }
}

/** True once the broker answers and every partition of `topics` has a leader. */
async function serving(brokers: string[], topics: readonly string[]): Promise<boolean> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) return false;
    if (topics.length === 0) return true;
    const { topics: described } = await admin.fetchTopicMetadata({ topics: [...topics] });
    return described.every((topic) => topic.partitions.every((partition) => partition.leader >= 0));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Start Apache Kafka (the version local/infra/apache-kafka/pom.xml pins; fetched by Maven on the first
 * start, then from the cache) as one KRaft node on free loopback ports, with its data in a temporary
 * folder, and create `topics` with the partitions and configuration the stack deploys. The JVM dies
 * with this process (a watchdog, also on SIGKILL), and its data folder goes with it.
 *
 * @param options.topics - created once the broker serves (the one topic list, locally)
 * @param options.timeoutMs - how long the broker may take to serve @default 60000
 * @param options.onFetch - told when Maven runs (the first start on a machine)
 */
export async function startApacheKafka(options: {
  topics: readonly string[];
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  onFetch?: (message: string) => void;
}): Promise<RunningBroker> {
  const distribution = await resolveKafkaDistribution(options);
  const [port, controllerPort] = await Promise.all([freePort(), freePort()]);
  const brokers = [`127.0.0.1:${port}`];
  const dataDir = await mkdtemp(join(tmpdir(), 'kafka-patterns-broker-'));
  const propertiesFile = join(dataDir, 'server.properties');
  const timeoutMs = options.timeoutMs ?? 60_000;
  let current: ChildProcess | undefined;

  const launch = async (waitFor: readonly string[]): Promise<void> => {
    const child = guardChild(
      spawn('java', [...JVM_OPTIONS, '-cp', distribution.classpath, 'kafka.Kafka', propertiesFile], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
      { removeWhenOrphaned: dataDir },
    );
    current = child;
    await awaitReadiness(child, {
      probe: () => serving(brokers, waitFor),
      timeoutMs,
      spawnFailed: javaMissing,
      stoppedEarly: (how, output) =>
        new InfrastructureError(
          'kafka',
          `Apache Kafka ${distribution.version} stopped (${how}) while starting: ${output}. It needs Java 17+`,
        ),
      notReady: (reason) =>
        new InfrastructureError(
          'kafka',
          `Apache Kafka ${distribution.version} on ${brokers[0]} did not serve in time (${reason})`,
        ),
    });
  };

  const stop = async () => {
    if (current) await stopChild(current, 10_000);
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await writeFile(propertiesFile, serverProperties(dataDir, port, controllerPort));
    await formatStorage(distribution, propertiesFile);
    await launch([]);
    await createTopics(brokers, options.topics, { replicationFactor: 1 });
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    brokers,
    version: distribution.version,
    dataDirectory: dataDir,
    process: () => {
      if (!current) throw new InfrastructureError('kafka', 'the broker is not running');
      return current;
    },
    async restart(signal = 'SIGKILL') {
      if (current) {
        if (signal === 'SIGKILL') {
          const gone = exited(current);
          current.kill('SIGKILL');
          await gone;
        } else {
          await stopChild(current, 10_000);
        }
      }
      // Serving again means every topic it had has a leader: the logs are recovered.
      await launch(options.topics);
    },
    stop,
  };
}
