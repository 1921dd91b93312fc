import {
  committedOutboxes,
  consumerMarkerKeys,
  type DeadLetter,
  type ServerlessConfig,
} from '@msk-patterns/emulator';
import { IdempotencyStore, type ServiceContext } from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { SERVICE_DIRECTORY } from '../service.js';
import type { MappingSource } from './mappings.js';
import type { ConsoleOptions } from './server.js';

const mskEvent = z.object({
  msk: z.object({ topic: z.string(), consumerGroupId: z.string(), enabled: z.optional(z.boolean()) }),
});

/**
 * The event source mappings serverless.yml declares for a stage (its `msk` events): each function's
 * topic and consumer group, and whether the mapping is enabled. On a stage, the mappings page reads
 * their lag from these consumer groups.
 *
 * @param config - serverless.yml, resolved for the stage
 */
export function declaredMappings(config: ServerlessConfig): MappingSource[] {
  return Object.entries(config.functions).flatMap(([functionKey, declared]) =>
    (declared.events ?? []).flatMap((event) => {
      const parsed = z.safeParse(mskEvent, event);
      if (!parsed.success) return [];
      const { topic, consumerGroupId, enabled } = parsed.data.msk;
      return [{ functionKey, topic, consumerGroupId, enabled: enabled ?? true }];
    }),
  );
}

/**
 * Whether a letter's source record holds a committed outbox, read from the idempotency table the
 * service context names (the same reading as `msk-dlq show`).
 *
 * @param service - where the idempotency table is
 * @param config - serverless.yml, for how each consumer keys its markers
 */
export async function outboxReader(
  service: ServiceContext,
  config: ServerlessConfig,
): Promise<NonNullable<ConsoleOptions['outboxOf']>> {
  const store = new IdempotencyStore(service.documentClient, service.tableName(TABLE_VARIABLES.idempotency));
  const consumers = await consumerMarkerKeys(config.functions, SERVICE_DIRECTORY);
  return async (letter: DeadLetter) => (await committedOutboxes([letter], consumers, store)).get(letter.id);
}
