import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Emulator, Infrastructure } from '@msk-patterns/emulator';
import { createServiceContext } from '@msk-patterns/pipeline';
import { SERVICE_DIRECTORY } from '../service.js';
import { AuditTrail } from './audit.js';
import { type RunningConsole, startConsole } from './server.js';
import { outboxReader } from './sources.js';

/**
 * The console of a running local stack: its broker's dead letters, the idempotency table for their
 * outboxes, redrive allowed (the stack is the operator's own), redrives recorded under `.local/`.
 *
 * @param infrastructure - the stack's broker and tables
 * @param emulator - the emulated mappings, whose lag and counters the mappings page shows
 */
export async function startLocalConsole(
  infrastructure: Infrastructure,
  emulator: Emulator,
): Promise<RunningConsole> {
  const service = createServiceContext({
    environment: { ...process.env, ...infrastructure.functionEnvironment },
  });
  return startConsole({
    kafka: infrastructure.kafkaBrokers,
    audit: new AuditTrail(join(SERVICE_DIRECTORY, '.local', 'console-audit.jsonl')),
    operator: `${userInfo().username} (local)`,
    allowRedrive: true,
    service,
    mappings: () =>
      emulator.runners.map((runner) => ({
        functionKey: runner.mapping.functionKey,
        topic: runner.mapping.topic,
        consumerGroupId: runner.mapping.consumerGroupId,
        enabled: runner.mapping.enabled,
        stats: runner.stats,
        lastInvocation: runner.lastInvocation,
      })),
    outboxOf: await outboxReader(service, infrastructure.config),
  });
}
