/**
 * A function's own process, as Lambda runs each function in its own execution environment: the
 * emulator sends it MSK events over IPC and gets back what the handler returned or threw. Killing
 * this process loses everything it held in memory (connections, caches, work in flight), which is
 * what the chaos run needs. Started by FunctionProcessHost:
 * `node --import tsx function-process.js <handler> [hooks module]`, in the service directory.
 */

import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lambdaContext } from '../runner/lambda-context.js';
import { type FunctionProcessMessage, FunctionProcessRequest } from './function-process-protocol.js';
import type { InvocationHooks } from './invocation-hooks.js';
import { loadHandler } from './load-handler.js';

const [handlerName = '', hooksModule] = process.argv.slice(2);
const functionName = process.env.FUNCTION_KEY ?? handlerName;

function send(message: FunctionProcessMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(message, () => resolve()));
}

async function loadHooks(module: string | undefined): Promise<InvocationHooks> {
  if (!module) return {};
  const { default: factory }: { default: unknown } = await import(
    /* @vite-ignore */ isAbsolute(module) ? pathToFileURL(module).href : module
  );
  if (typeof factory !== 'function') throw new Error(`${module} does not default-export a hooks factory`);
  return factory((fault: string) => send({ fault }));
}

const hooks = await loadHooks(hooksModule);
const handler = await loadHandler(handlerName);

process.on('message', (raw: unknown) => {
  const request = FunctionProcessRequest.parse(raw);
  void (async () => {
    await hooks.beforeInvoke?.(request.event);
    try {
      const result = await handler(request.event, lambdaContext(functionName, request.timeoutSeconds));
      await hooks.afterInvoke?.(request.event);
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
