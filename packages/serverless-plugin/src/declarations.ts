import { access as fileAccess } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { accessOf, type FunctionAccess, publishedTopics } from '@msk-patterns/pipeline';
import { MissingDeclarationError } from './errors.js';

/** What one function declares: its access (on the handler) and the topics its module produces to. */
export interface FunctionDeclaration extends FunctionAccess {
  publishes: readonly string[];
}

/** Source extensions a handler's module may have, in the order they are looked for. */
const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'] as const;

async function exists(file: string): Promise<boolean> {
  return fileAccess(file).then(
    () => true,
    () => false,
  );
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

/**
 * The module behind a serverless.yml handler (`functions/x/handler.handler` → `functions/x/handler.ts`
 * or `.js`), imported from its source. A TypeScript module is imported as is when the running process
 * can load TypeScript (tsx, vitest), else through tsx's `tsImport` (tsx must then be installed).
 *
 * @param serviceDirectory - the directory of serverless.yml
 * @param handler - the function's `handler` setting
 * @example
 * ```ts
 * const module = await importFunctionModule(process.cwd(), 'functions/audit/handler.handler');
 * const handler = handlerExport(module, 'functions/audit/handler.handler');
 * ```
 */
export async function importFunctionModule(
  serviceDirectory: string,
  handler: string,
): Promise<Record<string, unknown>> {
  const base = join(serviceDirectory, handler.slice(0, handler.lastIndexOf('.')));
  for (const extension of MODULE_EXTENSIONS) {
    const file = `${base}${extension}`;
    if (!(await exists(file))) continue;
    const url = pathToFileURL(file).href;
    try {
      return await import(/* @vite-ignore */ url);
    } catch (error) {
      if (!hasCode(error, 'ERR_UNKNOWN_FILE_EXTENSION')) throw error;
      const { tsImport } = await import('tsx/esm/api');
      return tsImport(url, import.meta.url);
    }
  }
  throw new MissingDeclarationError(`${handler}: no module ${base}{${MODULE_EXTENSIONS.join(',')}}`, {
    handler,
  });
}

/**
 * The export a serverless.yml handler names (`functions/x/handler.handler` → `handler`).
 *
 * @param module - the handler's module, from {@link importFunctionModule}
 * @param handler - the function's `handler` setting
 * @example
 * ```ts
 * const module = await importFunctionModule(serviceDirectory, 'functions/payments/handler.handler');
 * const handler = handlerExport(module, 'functions/payments/handler.handler'); // module.handler
 * ```
 */
export function handlerExport(module: Record<string, unknown>, handler: string): unknown {
  return module[handler.slice(handler.lastIndexOf('.') + 1)];
}

function producedTopics(exported: unknown): string[] {
  return Array.isArray(exported) ? publishedTopics(exported) : [];
}

/**
 * Every function's declaration, read from the handler each serverless.yml function names: the
 * access its handler carries (`consumer({ tables })`, `httpQuery`, `declareAccess`) and the topics of
 * its module's `produces` export.
 *
 * @param serviceDirectory - the directory of serverless.yml
 * @param functions - serverless.yml `functions`
 * @throws MissingDeclarationError when a handler declares no access
 */
export async function functionDeclarations(
  serviceDirectory: string,
  functions: Readonly<Record<string, { handler: string }>>,
): Promise<Record<string, FunctionDeclaration>> {
  const entries = await Promise.all(
    Object.entries(functions).map(async ([name, { handler }]) => {
      const module = await importFunctionModule(serviceDirectory, handler);
      const access = accessOf(handlerExport(module, handler));
      if (!access)
        throw new MissingDeclarationError(
          `${name}: ${handler} declares no access (consumer({ tables }), httpQuery(reads, …) or declareAccess): its role cannot be generated`,
          { function: name, handler },
        );
      return [name, { ...access, publishes: producedTopics(module.produces) }] as const;
    }),
  );
  return Object.fromEntries(entries);
}
