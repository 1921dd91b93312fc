import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KAFKA_MESSAGE_MAX_BYTES } from '@msk-patterns/pipeline';
import { Kafka, logLevel } from 'kafkajs';
import { InfrastructureError } from './errors.js';
import { KAFKA_LOG_CONFIG, resolveKafkaDistribution } from './kafka-distribution.js';
import { classArchive, copyFormattedStorage, javaMissing } from './kafka-start-cache.js';
import { createTopics } from './kafka-topics.js';
import { twoFreePorts } from './ports.js';
import { awaitReadiness, exited, guardChild, stopChild, waitUntil } from './process.js';

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
function serverProperties(logDir: string, port: number, controllerPort: number): string {
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': logDir,
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

const SHARED_MEMORY = '/dev/shm';

/**
 * Where brokers keep their data: `KAFKA_DATA_DIR`, else `/dev/shm` where the system has one (Linux: a
 * tmpfs, so the broker's logs live in memory as DynamoDB Local's `-inMemory` tables do, and survive a
 * broker killed and restarted all the same), else the system's temporary folder. With the logs on a
 * disk the throughput bench measured 0.42–0.45 of DynamoDB Local's ceiling, on tmpfs 0.46–0.52: the
 * log writes waited on I/O.
 *
 * @param env - where `KAFKA_DATA_DIR` is read (default `process.env`)
 * @example
 * ```ts
 * brokerDataRoot(process.env); // KAFKA_DATA_DIR if set, else /dev/shm where writable, else the temporary directory
 * ```
 */
export function brokerDataRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KAFKA_DATA_DIR) return env.KAFKA_DATA_DIR;
  try {
    accessSync(SHARED_MEMORY, constants.W_OK);
    return SHARED_MEMORY;
  } catch {
    return tmpdir();
  }
}

/**
 * True once the broker answers and every partition of every topic it has has a leader (after a
 * restart: its logs are recovered).
 */
async function serving(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) return false;
    const topics = await admin.listTopics();
    if (topics.length === 0) return true;
    const { topics: described } = await admin.fetchTopicMetadata({ topics });
    return described.every((topic) => topic.partitions.every((partition) => partition.leader >= 0));
  } finally {
    await admin.disconnect();
  }
}

/**
 * A new broker creates its internal state on first use: the group coordinator's `__consumer_offsets`
 * (50 partitions, loaded before any group can join) and the block of producer ids an idempotent
 * producer takes one from. Until then clients get COORDINATOR_LOAD_IN_PROGRESS, which kafkajs logs
 * as an error and consumers crash on (then restart). A cluster in use has both long before; the
 * local broker is made to have them before it is declared started.
 */
async function warmUp(brokers: string[], timeoutMs: number): Promise<void> {
  // With retries: kafkajs refuses an idempotent producer without them, and its admin client finds the
  // group coordinator only after a metadata refresh, which it does on a retry.
  const kafka = new Kafka({
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 100 },
  });
  await waitUntil(async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.describeGroups(['kafka-patterns-warm-up']);
      return true;
    } finally {
      await admin.disconnect();
    }
  }, timeoutMs);
  await waitUntil(async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.disconnect();
    return true;
  }, timeoutMs);
}

/** How many pairs of ports a start tries when the one it was given is taken before the JVM binds it. */
const BIND_ATTEMPTS = 3;
const PORT_TAKEN = /BindException|Address already in use/;

/**
 * Start Apache Kafka (the version apache-kafka/pom.xml of this package pins; fetched by Maven on the first
 * start, then from the cache) as one KRaft node on free loopback ports, with its data in a temporary
 * folder, and create `topics` with the partitions and configuration the stack deploys. The JVM dies
 * with this process (a watchdog, also on SIGKILL), and its data folder goes with it.
 *
 * @param options.topics - created once the broker serves (the one topic list, locally)
 * @param options.timeoutMs - how long the broker may take to serve @default 60000
 * @param options.onFetch - told when Maven runs (the first start on a machine)
 * @param options - the topics to create, the environment, a start-up time limit, where to report a fetch
 * @example
 * ```ts
 * const broker = await startApacheKafka({ topics: ['orders.commands'] });
 * broker.brokers; // ['127.0.0.1:<free port>']
 * await broker.stop();
 * ```
 */
export async function startApacheKafka(options: {
  topics: readonly string[];
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  onFetch?: (message: string) => void;
}): Promise<RunningBroker> {
  const distribution = await resolveKafkaDistribution(options);
  let [port, controllerPort] = await twoFreePorts();
  const brokers = [`127.0.0.1:${port}`];
  const dataDir = await mkdtemp(join(brokerDataRoot(options.env), 'kafka-patterns-broker-'));
  const propertiesFile = join(dataDir, 'server.properties');
  const timeoutMs = options.timeoutMs ?? 60_000;
  let current: ChildProcess | undefined;
  let settling: Promise<void> = Promise.resolve();

  const launch = async (): Promise<void> => {
    const archive = classArchive(distribution, dataDir);
    const child = guardChild(
      spawn(
        'java',
        [...JVM_OPTIONS, ...archive.jvmOptions, '-cp', distribution.classpath, 'kafka.Kafka', propertiesFile],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
      { removeWhenOrphaned: dataDir },
    );
    let served = false;
    child.once('exit', () => {
      settling = archive.settle(served && child.signalCode !== 'SIGKILL');
    });
    current = child;
    await awaitReadiness(child, {
      probe: () => serving(brokers),
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
    await warmUp(brokers, timeoutMs).catch((error: Error) => {
      throw new InfrastructureError(
        'kafka',
        `Apache Kafka ${distribution.version} did not warm up: ${error.message}`,
      );
    });
    served = true;
  };

  const stop = async () => {
    if (current) await stopChild(current, 10_000);
    await settling;
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const logDir = join(dataDir, 'log');
    // The template's ports are placeholders: formatting reads the node's settings, it binds nothing.
    await copyFormattedStorage(
      distribution,
      JVM_OPTIONS,
      (templateLogDir) => serverProperties(templateLogDir, 9092, 9093),
      logDir,
    );
    // A free port can be taken between asking for it and the JVM binding it (any process's outgoing
    // connection may get it): the broker then stops with a BindException, and starts again on others.
    for (let attempt = 1; ; attempt++) {
      await writeFile(propertiesFile, serverProperties(logDir, port, controllerPort));
      try {
        await launch();
        break;
      } catch (error) {
        if (attempt >= BIND_ATTEMPTS || !(error instanceof Error && PORT_TAKEN.test(error.message)))
          throw error;
        [port, controllerPort] = await twoFreePorts();
        brokers[0] = `127.0.0.1:${port}`;
      }
    }
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
      await launch();
    },
    stop,
  };
}
