/**
 * The chaos run's hooks in each function process (@msk-patterns/emulator `FunctionProcesses.hooks`):
 * the kill points before the handler and after it answered, and those inside it (after a DynamoDB
 * commit, DynamoDB faults) that installKillPoints adds to the pipeline's client.
 */
import type { InvocationHooksFactory } from '@msk-patterns/emulator';
import { installKillPoints, KILL_POINTS } from './kill-points.js';

const hooks: InvocationHooksFactory = (report) => {
  const killPoints = installKillPoints(process.env, ({ fault }) => report(fault));
  return {
    async beforeInvoke(event) {
      killPoints.beginInvocation(Object.values(event.records).flat().length);
      await killPoints.maybeKill(KILL_POINTS.afterDecode);
    },
    afterInvoke: () => killPoints.maybeKill(KILL_POINTS.afterPublish),
  };
};
export default hooks;
