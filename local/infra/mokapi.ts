import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { stringify } from 'yaml';
import { asyncApiDocument } from '../../lib/contracts/asyncapi.js';
import { contracts } from '../../lib/contracts/index.js';
import { ALL_TOPICS, PRODUCE_VALIDATED_TOPICS } from '../../lib/contracts/topics.js';
import { InfrastructureError } from './errors.js';
import { freePort, isPortFree } from './ports.js';
import { awaitReadiness, guardChild } from './process.js';

export interface RunningMokapi {
  brokers: string[];
  apiPort: number;
  process: ChildProcess;
  /** removes the temp folder holding the broker's configuration */
  cleanup: () => void;
}

/**
 * The broker's configuration: the contracts' AsyncAPI document plus the local server. Mokapi does not
 * auto-create topics (docs/local-infrastructure.md), so every topic must be a channel. Payload validation stays off
 * until the contract-testing issue turns it on for source topics.
 */
export function brokerDocument(port: number, partitions: number): Record<string, unknown> {
  const document = asyncApiDocument(contracts, {
    partitions,
    validatedTopics: PRODUCE_VALIDATED_TOPICS,
    server: {
      host: `127.0.0.1:${port}`,
      // Every group join waits this long; Kafka's 3 s default makes every local test slow.
      bindings: { 'group.initial.rebalance.delay.ms': 500, 'group.min.session.timeout.ms': 500 },
    },
  });
  type Message = { payload?: unknown };
  type Channel = { bindings: { kafka: Record<string, unknown> }; messages?: Record<string, Message> };
  for (const channel of Object.values(document.channels as Record<string, Channel>)) {
    // Mokapi reads the validation switch at the top of the Kafka binding, the spec under topicConfiguration.
    const { topicConfiguration, ...kafka } = channel.bindings.kafka as {
      topicConfiguration?: Record<string, unknown>;
    };
    channel.bindings.kafka = { ...kafka, ...topicConfiguration };
    // Mokapi 0.52 validates a record against the first message of a channel only: give it one message
    // whose payload is exactly one of the contracts (type and version make them exclusive).
    const payloads = Object.values(channel.messages ?? {}).map((message) => message.payload);
    if (payloads.length > 1) channel.messages = { contract: { payload: { oneOf: payloads } } };
  }
  return document;
}

function mokapiBinary(): string {
  const require = createRequire(import.meta.url);
  const platformPackage = `@go-mokapi/${process.platform}-${process.arch}`;
  try {
    return require.resolve(`${platformPackage}/bin/mokapi`);
  } catch {
    // The lockfile carries only @go-mokapi/linux-x64: the registry these machines use has no other build.
    throw new InfrastructureError(
      'kafka',
      `${platformPackage} is not installed (the lockfile ships Mokapi for linux-x64 only): set KAFKA_BROKERS to a Kafka cluster`,
    );
  }
}

/** Unknown MOKAPI_* variables stop the broker from starting (docs/local-infrastructure.md): never pass any. */
function brokerEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MOKAPI_')));
}

/**
 * Start the Mokapi Kafka broker with every topic of the contracts, and wait until it serves metadata
 * for all of them. The binary is started directly: the npm wrapper does not forward SIGTERM.
 */
export async function startMokapi(options: {
  partitions: number;
  port?: number;
  timeoutMs?: number;
}): Promise<RunningMokapi> {
  const { partitions } = options;
  const port = options.port ?? (await freePort());
  if (options.port !== undefined && !(await isPortFree(port))) {
    throw new InfrastructureError(
      'kafka',
      `port ${port} is already in use: stop what listens there or unset KAFKA_PORT to pick a free port`,
    );
  }
  const apiPort = await freePort();
  const folder = mkdtempSync(join(tmpdir(), 'mokapi-'));
  const cleanup = () => rmSync(folder, { recursive: true, force: true });
  const documentPath = join(folder, 'asyncapi.yaml');
  writeFileSync(documentPath, stringify(brokerDocument(port, partitions), { aliasDuplicateObjects: false }));
  const child = guardChild(
    spawn(
      mokapiBinary(),
      [
        `--api-port=${apiPort}`,
        '--health-enabled=false',
        '--mcp-server-enabled=false',
        '--api-search-enabled=false',
        documentPath,
      ],
      { cwd: folder, env: brokerEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const brokers = [`127.0.0.1:${port}`];
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await awaitReadiness(child, {
      probe: async () => {
        await admin.connect();
        const listed = new Set(await admin.listTopics());
        return ALL_TOPICS.every((topic) => listed.has(topic));
      },
      timeoutMs: options.timeoutMs ?? 15_000,
      spawnFailed: (error) => new InfrastructureError('kafka', `could not start Mokapi: ${error.message}`),
      stoppedEarly: (how, output) =>
        new InfrastructureError('kafka', `Mokapi stopped (${how}) while starting: ${output}`),
      notReady: (reason) =>
        new InfrastructureError(
          'kafka',
          `Mokapi on port ${port} did not serve its topics in time (${reason})`,
        ),
    });
  } catch (error) {
    cleanup();
    throw error;
  } finally {
    await admin.disconnect();
  }
  return { brokers, apiPort, process: child, cleanup };
}
