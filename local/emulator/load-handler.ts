import { handlerExport, importFunctionModule } from '../../deploy/declarations.js';
import type { MskHandler } from './mapping-runner.js';

/**
 * Import a serverless.yml handler from its TypeScript source. Its own module: a function process
 * (function-process.ts) needs only this, not the emulator around it.
 */
export async function loadHandler<THandler = MskHandler>(handler: string): Promise<THandler> {
  const exported = handlerExport(await importFunctionModule(handler), handler);
  if (typeof exported !== 'function') throw new Error(`${handler} does not export a function`);
  return exported as THandler;
}
