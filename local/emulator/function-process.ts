/**
 * A function's own process, as Lambda runs each function in its own execution environment: the
 * emulator sends it MSK events over IPC and gets back what the handler returned or threw. Killing
 * this process loses everything it held in memory (connections, caches, work in flight), which is
 * what the chaos run needs. Usage: node --import tsx local/emulator/function-process.ts <handler>
 */

import { installKillPoints, KILL_POINTS } from '../chaos/kill-points.js';
import { lambdaContext } from '../runner/lambda-context.js';
import { type FunctionProcessMessage, FunctionProcessRequest } from './function-process-protocol.js';
import { loadHandler } from './load-handler.js';

const [handlerName = ''] = process.argv.slice(2);
const functionName = process.env.FUNCTION_KEY ?? handlerName;

function send(message: FunctionProcessMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(message, () => resolve()));
}

const killPoints = installKillPoints(process.env, send);
const handler = await loadHandler(handlerName);

process.on('message', (raw: unknown) => {
  const request = FunctionProcessRequest.parse(raw);
  void (async () => {
    killPoints.beginInvocation(Object.values(request.event.records).flat().length);
    await killPoints.maybeKill(KILL_POINTS.afterDecode);
    try {
      const result = await handler(request.event, lambdaContext(functionName, request.timeoutSeconds));
      await killPoints.maybeKill(KILL_POINTS.afterPublish);
      await send({ id: request.id, result: result ?? null });
    } catch (error) {
      await send({
        id: request.id,
        error: {
          name: error instanceof Error ? error.name : 'Error',
          message: error instanceof Error ? error.message : String(error),
        },
      });
    }
  })();
});
await send({ ready: true });
