import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchProcessor, containerContext, encodeMskEvent, IdempotencyStore } from '@msk-patterns/pipeline';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, inject } from 'vitest';
import { contracts } from '../../lib/contracts/index.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { AuditTrail } from '../../local/console/audit.js';
import { type ConsoleOptions, type RunningConsole, startConsole } from '../../local/console/server.js';
import { contextWithTime, unique } from './pipeline.js';

/** The value of the poison record: not an envelope, with a control character in it. */
export const POISON_VALUE = '{"oops":"\u0007"}';

/**
 * A console on the test broker for the file's tests (redrive allowed unless said, its own audit
 * trail), closed when they are done.
 */
export function consoleForTests(
  options: { mappings?: ConsoleOptions['mappings']; allowRedrive?: boolean } = {},
): {
  running: () => RunningConsole;
} {
  const folder = mkdtempSync(join(tmpdir(), 'console-'));
  let running: RunningConsole | undefined;
  beforeAll(async () => {
    running = await startConsole({
      kafka: inject('kafkaBrokers'),
      audit: new AuditTrail(join(folder, 'audit.jsonl')),
      operator: 'test-operator',
      allowRedrive: options.allowRedrive ?? true,
      service: containerContext(),
      mappings: options.mappings,
    });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(folder, { recursive: true, force: true });
  });
  return {
    running: () => {
      if (!running) throw new Error('the console has not started');
      return running;
    },
  };
}

/**
 * A poison record on orders.commands, dead-lettered by a consumer of its own: its key and the
 * consumer's name are unique, so a test finds its letter among everyone's.
 */
export async function poisonLetter(): Promise<{ key: string; consumerName: string }> {
  const key = unique('poison');
  const consumerName = unique('console-consumer');
  const processor = new BatchProcessor(
    { name: consumerName, topics: ['orders.commands'], handle: () => ({}), retry: { maxAttempts: 1 } },
    {
      store: new IdempotencyStore(
        containerContext().documentClient,
        containerContext().tableName(TABLE_VARIABLES.idempotency),
      ),
      publisher: containerContext().publisher,
      registry: contracts,
    },
  );
  const lambda: Context = { ...contextWithTime(60_000), functionName: consumerName };
  await processor.process(
    encodeMskEvent([
      {
        topic: 'orders.commands',
        partition: 1,
        offset: 50_000 + Math.floor(Math.random() * 1000),
        key,
        value: POISON_VALUE,
      },
    ]),
    lambda,
  );
  return { key, consumerName };
}
