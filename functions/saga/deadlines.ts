import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import {
  containerContext,
  declareAccess,
  type ProducerDeclaration,
  type Publisher,
  parseTraceparent,
  releaseConnectionsLocally,
  type ServiceContext,
  stableId,
  TABLE_ACCESS,
  toOutgoingRecords,
} from '@msk-patterns/pipeline';
import { keyedByOrderId } from '../../lib/contracts/by-order.js';
import { deadlineExpiredV1 } from '../../lib/contracts/sagas.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { isTerminal } from '../../lib/domain/saga.js';
import type { SagaStore } from '../../lib/store/sagas.js';
import { sagaStore } from './store.js';

const logger = new Logger({ serviceName: 'sagaDeadlines' });

export interface DeadlineSweep {
  /** sagas the deadline index lists as overdue */
  overdue: number;
  /** DeadlineExpired messages published */
  published: number;
}

export interface SweepDependencies {
  sagas: SagaStore;
  publisher: Publisher;
  now: number;
}

/**
 * Publish a `DeadlineExpired` for every waiting saga past its deadline. A due deadline is a message:
 * the orchestrator decides it through the same core as any event (marker, outbox, retries), so the
 * sweep itself changes nothing. Its id and bytes are stable per saga version: a sweep that fails
 * before or while publishing is repeated by the next one (the saga is still overdue), and the
 * orchestrator drops the copies; a saga that moved on meanwhile ignores the stale deadline.
 */
export async function sweepDeadlines(deps: SweepDependencies): Promise<DeadlineSweep> {
  const overdue = await deps.sagas.overdue(deps.now);
  const sagas = await deps.sagas.getMany(overdue);
  const records = [...sagas.values()]
    .filter((saga) => !isTerminal(saga.state) && saga.deadlineAt !== undefined && saga.deadlineAt <= deps.now)
    .flatMap((saga) =>
      toOutgoingRecords(
        {
          id: stableId(`deadline:${saga.orderId}:${saga.version}`),
          correlationId: saga.correlationId ?? saga.orderId,
        },
        [
          {
            topic: deadlineExpiredV1.topic,
            key: saga.orderId,
            type: deadlineExpiredV1.type,
            version: deadlineExpiredV1.version,
            data: { orderId: saga.orderId, sagaVersion: saga.version, deadlineAt: saga.deadlineAt },
            // The deadline happened when it expired, not when a sweep saw it: every sweep publishes
            // byte-identical copies, which the orchestrator's marker recognizes as one message.
            occurredAt: new Date(saga.deadlineAt ?? deps.now).toISOString(),
          },
        ],
        undefined,
        // In the order's trace, from the span that set the deadline: the same bytes every sweep.
        parseTraceparent(saga.traceparent),
      ),
    );
  await deps.publisher.publish(records);
  return { overdue: overdue.length, published: records.length };
}

/**
 * The sweep of a service context, as the schedule runs it.
 *
 * @param service - the sagas table, publisher and clock it uses
 */
function deadlineSweeper(service: ServiceContext): () => Promise<DeadlineSweep> {
  return async function sweepNow(): Promise<DeadlineSweep> {
    const sweep = await sweepDeadlines({
      sagas: sagaStore(service),
      publisher: service.publisher,
      now: service.now(),
    });
    logger.info('deadline sweep done', { ...sweep });
    return sweep;
  };
}

const service = containerContext();

/** The scheduled function (EventBridge `rate(1 minute)`; `npm start` triggers it the same way). */
export const handler = declareAccess(
  middy(deadlineSweeper(service)).use(injectLambdaContext(logger)).use(releaseConnectionsLocally(service)),
  { tables: { [TABLE_VARIABLES.sagas]: TABLE_ACCESS.read } },
);

/** What it publishes: one DeadlineExpired per overdue saga version, keyed by order id. */
export const produces: ProducerDeclaration[] = [
  {
    producer: 'sagaDeadlines',
    topic: deadlineExpiredV1.topic,
    types: [deadlineExpiredV1.type],
    key: keyedByOrderId,
  },
];
