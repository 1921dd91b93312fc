import { handlerExport, importFunctionModule } from '@msk-patterns/serverless-plugin';
import type { MskHandler } from './mapping-runner.js';

/**
 * Import a serverless.yml handler from its source. Its own module: a function process
 * (function-process.ts) needs only this, not the emulator around it.
 *
 * @param handler - the function's `handler` setting (`functions/x/handler.handler`)
 * @param serviceDirectory - the directory of serverless.yml
 * @default serviceDirectory process.cwd()
 * @example
 * ```ts
 * const handler = await loadHandler<MskHandler>('functions/payments/handler.handler', process.cwd());
 * await handler(event, lambdaContext('payments', 30));
 * ```
 */
export async function loadHandler<THandler = MskHandler>(
  handler: string,
  serviceDirectory: string = process.cwd(),
): Promise<THandler> {
  const exported = handlerExport(await importFunctionModule(serviceDirectory, handler), handler);
  if (typeof exported !== 'function') throw new Error(`${handler} does not export a function`);
  return exported as THandler;
}
