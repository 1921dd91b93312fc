import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { declareAccess, TABLE_ACCESS } from '../../lib/deploy/access.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { transition } from '../../lib/domain/saga.js';
import { getPublisher, type Publisher } from '../../lib/kafka/producer.js';
import { releaseConnectionsLocally } from '../../lib/pipeline/middlewares/release-connections-locally.js';
import { toOutgoingRecords } from '../../lib/pipeline/outbox.js';
import { ConcurrencyConflictError } from '../../lib/shared/errors.js';
import { payloadHash, stableId } from '../../lib/shared/ids.js';
import { getDocumentClient, tableName } from '../../lib/store/dynamodb.js';
import { IdempotencyStore } from '../../lib/store/idempotency.js';
import type { SagaStore } from '../../lib/store/sagas.js';
import { sagaStore, stepTimeoutMs } from './store.js';

const logger = new Logger({ serviceName: 'sagaDeadlines' });

/** Overdue sagas handled at once. */
const SWEEP_CONCURRENCY = 8;

export interface DeadlineSweep {
  overdue: number;
  expired: number;
  /** moved by an event between the query and the write: that event wins */
  conflicts: number;
  failed: number;
}

export interface SweepDependencies {
  sagas: SagaStore;
  idempotency: IdempotencyStore;
  publisher: Publisher;
  now: number;
  stepTimeoutMs: number;
}

/** One overdue saga: decide its expiry and commit it like an event would be (marker + state + outbox). */
async function expireOne(
  orderId: string,
  deps: SweepDependencies,
): Promise<'expired' | 'skipped' | 'conflict'> {
  const saga = await deps.sagas.get(orderId);
  if (!saga) return 'skipped';
  const step = transition(saga, { type: 'DeadlineExpired', data: { orderId } }, deps);
  if (step.kind === 'ignored') return 'skipped';
  // The deadline of one saga version is one "message": its id, key and outbox are stable, so a sweep
  // that crashed after committing republishes the stored commands instead of deciding again.
  const id = stableId(`deadline:${orderId}:${saga.version}`);
  const cause = { id, correlationId: saga.correlationId ?? orderId };
  const outbox = toOutgoingRecords(
    cause,
    step.commands.map((command) => ({ ...command, key: orderId })),
  );
  const key = `sagaDeadlines#${id}`;
  try {
    const result = await deps.idempotency.commit(
      key,
      payloadHash(Buffer.from(key)),
      deps.sagas.transitionItems(saga, step, { type: 'DeadlineExpired' }),
      outbox,
    );
    await deps.publisher.publish(result.status === 'duplicate' ? result.outbox : outbox);
  } catch (error) {
    if (error instanceof ConcurrencyConflictError) return 'conflict';
    throw error;
  }
  logger.info('saga deadline expired', { orderId, from: saga.state, to: step.saga.state, note: step.note });
  return 'expired';
}

/**
 * Time out every saga whose waiting state is past its deadline: compensate, or ask again (see
 * lib/domain/saga.ts). Scheduled every minute; one saga's failure does not stop the others, and a
 * failed sweep is picked up by the next one.
 */
export async function sweepDeadlines(deps: SweepDependencies): Promise<DeadlineSweep> {
  const overdue = await deps.sagas.overdue(deps.now);
  const sweep: DeadlineSweep = { overdue: overdue.length, expired: 0, conflicts: 0, failed: 0 };
  const queue = [...overdue];
  const worker = async () => {
    for (let orderId = queue.shift(); orderId !== undefined; orderId = queue.shift()) {
      try {
        const outcome = await expireOne(orderId, deps);
        if (outcome === 'expired') sweep.expired++;
        if (outcome === 'conflict') sweep.conflicts++;
      } catch (error) {
        sweep.failed++;
        logger.error('saga deadline could not be handled; the next sweep retries it', { orderId, error });
      }
    }
  };
  await Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, worker));
  return sweep;
}

let idempotency: IdempotencyStore | undefined;

async function sweepNow(): Promise<DeadlineSweep> {
  idempotency ??= new IdempotencyStore(getDocumentClient(), tableName(TABLE_VARIABLES.idempotency));
  const sweep = await sweepDeadlines({
    sagas: sagaStore(),
    idempotency,
    publisher: getPublisher(),
    now: Date.now(),
    stepTimeoutMs: stepTimeoutMs(),
  });
  logger.info('deadline sweep done', { ...sweep });
  return sweep;
}

/** The scheduled function (EventBridge `rate(1 minute)`; `npm start` triggers it the same way). */
export const handler = declareAccess(
  middy(sweepNow)
    .use(injectLambdaContext(logger))
    .use(releaseConnectionsLocally(() => getPublisher().disconnect())),
  {
    tables: {
      [TABLE_VARIABLES.sagas]: TABLE_ACCESS.write,
      [TABLE_VARIABLES.idempotency]: TABLE_ACCESS.write,
    },
  },
);

/** An expired deadline sends what the saga sends: its commands, keyed by order id. */
export { produces } from './orchestrator.js';
