import { containerContext } from '@msk-patterns/pipeline';
import { injectDynamoDbFaults } from './dynamodb-faults.js';

/** Where the chaos run kills a function process (SIGKILL): each one loses different work. */
export const KILL_POINTS = {
  /** the event arrived, nothing is committed */
  afterDecode: 'after-decode',
  /** a DynamoDB commit (marker, writes, outbox) succeeded, nothing of it is published yet */
  afterCommit: 'after-commit',
  /** the handler committed and published, the response never reaches the poller */
  afterPublish: 'after-publish',
} as const;
export type KillPoint = (typeof KILL_POINTS)[keyof typeof KILL_POINTS];

/** Commands whose success means the pipeline committed: the idempotency marker with its writes. */
const COMMITS = new Set(['TransactWriteItemsCommand', 'PutItemCommand']);

/**
 * Inside a function process of the chaos run: from `CHAOS_KILL_RATE` (per kill point) and
 * `CHAOS_DYNAMODB_FAULT_RATE`, kill the process at step boundaries and fault its DynamoDB requests,
 * telling the emulator about each fault first. Without the variables nothing is installed.
 */
export function installKillPoints(
  env: NodeJS.ProcessEnv,
  report: (message: { fault: string }) => Promise<void>,
): { maybeKill(point: KillPoint): Promise<void>; beginInvocation(records: number): void } {
  const killRate = Number(env.CHAOS_KILL_RATE ?? 0);
  // The run assigns a kill point that has not happened yet to some new processes: each dies there at
  // its first chance, so that every point is reached at least once however the dice fall.
  const forced = Object.values(KILL_POINTS).find((point) => point === env.CHAOS_FORCE_KILL_AT);
  const faultRate = Number(env.CHAOS_DYNAMODB_FAULT_RATE ?? 0);
  // A batch commits once per record: spread the after-commit chance over them, so that an invocation
  // dies after one of its commits as often as at any other point.
  let perCommitRate = killRate;
  const maybeKill = async (point: KillPoint) => {
    const rate = point === KILL_POINTS.afterCommit ? perCommitRate : killRate;
    if (point !== forced && (rate <= 0 || Math.random() >= rate)) return;
    await report({ fault: `kill:${point}` });
    process.kill(process.pid, 'SIGKILL');
    await new Promise(() => {});
  };
  if (faultRate > 0) {
    injectDynamoDbFaults(containerContext().documentClient, {
      rate: faultRate,
      random: Math.random,
      onFault: (kind) => void report({ fault: kind }),
    });
  }
  if (killRate > 0 || forced === KILL_POINTS.afterCommit) {
    containerContext().documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        const output = await next(args);
        if (context.commandName && COMMITS.has(context.commandName)) await maybeKill(KILL_POINTS.afterCommit);
        return output;
      },
      { step: 'initialize', name: 'chaosKillAfterCommit' },
    );
  }
  return {
    maybeKill,
    beginInvocation(records) {
      perCommitRate = killRate / Math.max(1, records);
    },
  };
}
