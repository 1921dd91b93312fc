import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerDataRoot, resolveKafkaDistribution, startApacheKafka } from '@msk-patterns/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { startServiceInfrastructure } from '../../local/service.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && pids.some(isAlive))
    await new Promise((resolve) => setTimeout(resolve, 100));
  return pids.filter(isAlive);
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function occupyPort(): Promise<number> {
  const server: Server = createServer();
  server.listen(0);
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

const external = { DYNAMODB_ENDPOINT: undefined, KAFKA_BROKERS: undefined };

describe('local infrastructure start-up failures', () => {
  it('names the port and the fix when DYNAMODB_PORT is taken', async () => {
    const port = await occupyPort();
    await expect(
      startServiceInfrastructure({ env: { ...process.env, ...external, DYNAMODB_PORT: String(port) } }),
    ).rejects.toThrow(
      `dynamodb: port ${port} is already in use: stop what listens there or unset DYNAMODB_PORT to pick a free port`,
    );
  });

  it('refuses KAFKA_PORT with the fix (the broker picks free ports), and stops DynamoDB Local it had started', async () => {
    const javaBefore = await dynamoDbPids();
    await expect(
      startServiceInfrastructure({ env: { ...process.env, ...external, KAFKA_PORT: '9092' } }),
    ).rejects.toThrow('kafka: KAFKA_PORT is not supported: the local broker picks free loopback ports');
    expect(await dynamoDbPids()).toEqual(javaBefore);
  });

  it('says Maven is missing, and what to install, when the broker has to be fetched and mvn is not there', async () => {
    // Prepare: an empty cache, so that the broker's jars must be fetched
    const cache = mkdtempSync(join(tmpdir(), 'kafka-cache-'));
    cleanups.push(() => rmSync(cache, { recursive: true, force: true }));

    // Act + Assess
    await expect(
      resolveKafkaDistribution({ env: { KAFKA_CACHE_DIR: cache }, mvn: 'mvn-not-installed' }),
    ).rejects.toThrow(
      /kafka: mvn-not-installed was not found on PATH: .* install Maven 3\.8\+ and Java 17\+/,
    );
    expect(readdirSync(cache)).toEqual([]);
  });

  it('says Java is missing, and how to fix it, when java is not on PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startServiceInfrastructure({ env: { ...process.env, ...external } })).rejects.toThrow(
        /dynamodb: java was not found on PATH: install Java 17\+/,
      );
    } finally {
      process.env.PATH = path;
    }
  });

  it('reports a broker that does not come up in time and leaves no broker process or data behind', async () => {
    const dataBefore = brokerDataDirectories();
    await expect(startApacheKafka({ topics: ['slow'], timeoutMs: 1 })).rejects.toThrow(
      /kafka: Apache Kafka 4\.1\.\d+ on 127\.0\.0\.1:\d+ did not serve in time/,
    );
    expect(await kafkaPids()).toEqual([]);
    expect(brokerDataDirectories()).toEqual(dataBefore);
  });

  it('stops DynamoDB Local and the broker when the runner is killed with SIGKILL', async () => {
    // Prepare: a runner that started both services
    const runner = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/start-infrastructure.ts'], {
      env: { ...process.env, DYNAMODB_ENDPOINT: '', KAFKA_BROKERS: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(runner.stdout, 'data')) as [Buffer];
    const { pids, kafkaData } = JSON.parse(line.toString()) as { pids: number[]; kafkaData: string };
    expect(pids).toHaveLength(2);
    expect(pids.every(isAlive)).toBe(true);
    expect(existsSync(kafkaData)).toBe(true);

    // Act: no signal handler can run
    runner.kill('SIGKILL');

    // Assess: the broker shuts down cleanly on the watchdog's SIGTERM, then its data folder goes
    expect(await waitForExit(pids, 15_000)).toEqual([]);
    await expect.poll(() => existsSync(kafkaData), { timeout: 5_000 }).toBe(false);
  });
});

/** PIDs of this test process's own children whose command line matches. */
async function childPids(pattern: RegExp): Promise<number[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    if (pattern.test(commandLine) && new RegExp(`PPid:\\s+${process.pid}\\b`).test(status))
      pids.push(Number(entry));
  }
  return pids;
}

const dynamoDbPids = () => childPids(/DynamoDBLocal\.jar/);
const kafkaPids = () => childPids(/kafka\.Kafka/);
const brokerDataDirectories = () =>
  readdirSync(brokerDataRoot()).filter((name) => name.startsWith('kafka-patterns-broker-'));
