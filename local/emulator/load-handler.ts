import { fileURLToPath } from 'node:url';
import { handlerExport, importFunctionModule } from '@msk-patterns/serverless-plugin';
import type { MskHandler } from './mapping-runner.js';

/** The directory of serverless.yml: handlers are named relative to it. */
export const SERVICE_DIRECTORY = fileURLToPath(new URL('../../', import.meta.url));

/** The module behind a serverless.yml handler of this service. */
export function importServiceModule(handler: string): Promise<Record<string, unknown>> {
  return importFunctionModule(SERVICE_DIRECTORY, handler);
}

/**
 * Import a serverless.yml handler from its TypeScript source. Its own module: a function process
 * (function-process.ts) needs only this, not the emulator around it.
 */
export async function loadHandler<THandler = MskHandler>(handler: string): Promise<THandler> {
  const exported = handlerExport(await importServiceModule(handler), handler);
  if (typeof exported !== 'function') throw new Error(`${handler} does not export a function`);
  return exported as THandler;
}
