import { userInfo } from 'node:os';
import { join } from 'node:path';
import {
  committedOutboxes,
  consumerMarkerKeys,
  type Emulator,
  type Infrastructure,
} from '@msk-patterns/emulator';
import { createServiceContext, IdempotencyStore } from '@msk-patterns/pipeline';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { SERVICE_DIRECTORY } from '../service.js';
import { AuditTrail } from './audit.js';
import { type RunningConsole, startConsole } from './server.js';

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
  const store = new IdempotencyStore(service.documentClient, service.tableName(TABLE_VARIABLES.idempotency));
  const consumers = await consumerMarkerKeys(infrastructure.config.functions, SERVICE_DIRECTORY);
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
      })),
    outboxOf: async (letter) => (await committedOutboxes([letter], consumers, store)).get(letter.id),
  });
}
