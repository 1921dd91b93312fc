import { fileURLToPath, pathToFileURL } from 'node:url';
import { accessOf, type FunctionAccess, publishedTopics } from '@msk-patterns/pipeline';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The module behind a serverless.yml handler (`functions/x/handler.handler`), from its TypeScript source. */
export async function importFunctionModule(handler: string): Promise<Record<string, unknown>> {
  const file = pathToFileURL(`${ROOT}${handler.slice(0, handler.lastIndexOf('.'))}.ts`).href;
  return (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
}

/** The export a serverless.yml handler names (`functions/x/handler.handler` → `handler`), from its module. */
export function handlerExport(module: Record<string, unknown>, handler: string): unknown {
  return module[handler.slice(handler.lastIndexOf('.') + 1)];
}

/** What one function declares: its access (on the handler) and the topics its module produces to. */
export interface FunctionDeclaration extends FunctionAccess {
  publishes: readonly string[];
}

export class MissingDeclarationError extends Error {
  override readonly name = 'MissingDeclarationError';
}

function producedTopics(exported: unknown): string[] {
  return Array.isArray(exported) ? publishedTopics(exported) : [];
}

/** Every function's declaration, read from the handler each serverless.yml function names. */
export async function functionDeclarations(
  functions: Record<string, { handler: string }>,
): Promise<Record<string, FunctionDeclaration>> {
  const entries = await Promise.all(
    Object.entries(functions).map(async ([name, { handler }]) => {
      const module = await importFunctionModule(handler);
      const access = accessOf(handlerExport(module, handler));
      if (!access)
        throw new MissingDeclarationError(
          `${name}: ${handler} declares no access (consumer({ tables }), httpQuery(reads, …) or declareAccess): its role cannot be generated`,
        );
      return [name, { ...access, publishes: producedTopics(module.produces) }] as const;
    }),
  );
  return Object.fromEntries(entries);
}
