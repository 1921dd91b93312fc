import { fileURLToPath } from 'node:url';
import {
  type Infrastructure,
  type InfrastructureOptions,
  packageStage,
  startInfrastructure,
} from '@msk-patterns/emulator';
import { importFunctionModule } from '@msk-patterns/serverless-plugin';
import { ALL_TOPICS } from '../lib/contracts/topics.js';

/**
 * This service as the packages see it: where serverless.yml is, its topics, its local stack. The one
 * place the application configures @msk-patterns/emulator.
 */
export const SERVICE_DIRECTORY = fileURLToPath(new URL('../', import.meta.url));

/** The module behind a serverless.yml handler of this service. */
export function importServiceModule(handler: string): Promise<Record<string, unknown>> {
  return importFunctionModule(SERVICE_DIRECTORY, handler);
}

/**
 * DynamoDB Local and Apache Kafka with this service's tables and topics. The demo's flaky payment
 * provider (`PAYMENT_PROVIDER_FAILURE_RATE`, 0.2 under `npm start`) reaches the functions when set;
 * deployed stages keep serverless.yml's 0.
 */
export function startServiceInfrastructure(
  options: Omit<InfrastructureOptions, 'topics'> = {},
): Promise<Infrastructure> {
  const failureRate = (options.env ?? process.env).PAYMENT_PROVIDER_FAILURE_RATE;
  return startInfrastructure({
    topics: ALL_TOPICS,
    serviceDirectory: SERVICE_DIRECTORY,
    ...options,
    functionEnvironment: {
      ...(failureRate ? { PAYMENT_PROVIDER_FAILURE_RATE: failureRate } : {}),
      ...options.functionEnvironment,
    },
  });
}

/**
 * `serverless package` of the dev stage, offline: the emulator runs what would deploy — the mappings
 * with the error controls the plugin merges in — not a second copy of the configuration.
 */
export function packageService(signal?: AbortSignal): Promise<string> {
  return packageStage('dev', { serviceDirectory: SERVICE_DIRECTORY, ...(signal ? { signal } : {}) });
}
