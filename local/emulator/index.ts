import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { ServerlessConfig } from '../infra/serverless-config.js';
import { mappingsFromTemplate, readTemplate } from './config.js';
import { MappingRunner, type MskHandler, type RunnerOptions } from './mapping-runner.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PACKAGED_TEMPLATE = `${ROOT}.serverless/cloudformation-template-update-stack.json`;

/**
 * `serverless package`, offline: the emulator runs what would deploy, `resources.extensions` merged
 * into the mappings, not a second copy of the configuration.
 */
export async function packageService(signal?: AbortSignal): Promise<string> {
  await promisify(execFile)('npx', ['serverless', 'package'], {
    cwd: ROOT,
    timeout: 180_000,
    ...(signal ? { signal } : {}),
  });
  if (!existsSync(PACKAGED_TEMPLATE)) throw new Error(`serverless package wrote no ${PACKAGED_TEMPLATE}`);
  return PACKAGED_TEMPLATE;
}

/** The module behind a serverless.yml handler (`functions/x/handler.handler`), from its TypeScript source. */
export async function importFunctionModule(handler: string): Promise<Record<string, unknown>> {
  const file = pathToFileURL(`${ROOT}${handler.slice(0, handler.lastIndexOf('.'))}.ts`).href;
  return (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
}

/** Import a serverless.yml handler from its TypeScript source. */
export async function loadHandler(handler: string): Promise<MskHandler> {
  const exported = (await importFunctionModule(handler))[handler.slice(handler.lastIndexOf('.') + 1)];
  if (typeof exported !== 'function') throw new Error(`${handler} does not export a function`);
  return exported as MskHandler;
}

export interface Emulator {
  runners: MappingRunner[];
  stop: () => Promise<void>;
}

/** Start one runner per enabled MSK mapping of the packaged template. */
export async function startEmulator(options: {
  templatePath: string;
  config: ServerlessConfig;
  brokers: string[];
  log: (line: string) => void;
  /** only these function keys (default: all) */
  functions?: string[];
  afterInvoke?: RunnerOptions['afterInvoke'];
}): Promise<Emulator> {
  const mappings = mappingsFromTemplate(readTemplate(options.templatePath), options.config).filter(
    (mapping) => mapping.enabled && (!options.functions || options.functions.includes(mapping.functionKey)),
  );
  const runners: MappingRunner[] = [];
  const stop = async () => {
    await Promise.all(runners.map((runner) => runner.stop().catch(() => {})));
  };
  try {
    for (const mapping of mappings) {
      const runner = new MappingRunner(mapping, {
        brokers: options.brokers,
        handler: await loadHandler(mapping.handler),
        log: options.log,
        afterInvoke: options.afterInvoke,
      });
      runners.push(runner);
      await runner.start();
      options.log(
        `${mapping.functionKey} ⇐ ${mapping.topic} (group ${mapping.consumerGroupId}, batch ${mapping.batchSize}/${mapping.batchingWindowMs} ms, retries ${mapping.maximumRetryAttempts}, bisect ${mapping.bisectBatchOnFunctionError}, on failure ${mapping.destinationTopic ? `kafka://${mapping.destinationTopic}` : 'drop'})`,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { runners, stop };
}
