import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { InfrastructureError } from './errors.js';
import { createMockTopics } from './mock-topics.js';
import { awaitReadiness, guardChild } from './process.js';

export interface RunningBroker {
  brokers: string[];
  process: ChildProcess;
}

const HOST_SCRIPT = fileURLToPath(new URL('./broker-host.ts', import.meta.url));
const HostReady = z.object({ brokers: z.array(z.string()).min(1) });

/**
 * Start the bundled broker — librdkafka's mock cluster, hosted by node-rdkafka in a child process —
 * and create `topics` on it. The child dies with this process: a watchdog, and it ends when its
 * stdin closes.
 */
export async function startBundledBroker(options: {
  topics: readonly string[];
  timeoutMs?: number;
}): Promise<RunningBroker> {
  const child = guardChild(
    spawn(process.execPath, ['--import', 'tsx', HOST_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  let brokers: string[] = [];
  if (child.stdout) {
    createInterface({ input: child.stdout }).once('line', (line) => {
      try {
        const ready = HostReady.safeParse(JSON.parse(line));
        if (ready.success) brokers = ready.data.brokers;
      } catch {
        // not the ready line: the readiness check reports the time-out with the host's output
      }
    });
  }
  await awaitReadiness(child, {
    probe: async () => {
      if (brokers.length === 0) return false;
      await createMockTopics(brokers, options.topics);
      return true;
    },
    timeoutMs: options.timeoutMs ?? 20_000,
    spawnFailed: (error) =>
      new InfrastructureError('kafka', `could not start the broker host: ${error.message}`),
    stoppedEarly: (how, output) =>
      new InfrastructureError(
        'kafka',
        `the broker host stopped (${how}) while starting: ${output} — is node-rdkafka built? (npm ci builds it, an optional dependency, with python3, make and g++; or set KAFKA_BROKERS to a cluster of yours)`,
      ),
    notReady: (reason) =>
      new InfrastructureError('kafka', `the mock cluster did not serve its topics in time (${reason})`),
  });
  return { brokers, process: child };
}
