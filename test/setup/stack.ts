import { type Infrastructure, packageStage } from '@msk-patterns/emulator';
import type { TestProject } from 'vitest/node';
import { startServiceInfrastructure } from '../../local/service.js';

// The SDK warns that its releases after January 2027 need Node 22; the lockfile pins this one.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let infrastructure: Infrastructure | undefined;

/**
 * The `stack` project's own DynamoDB Local and broker: its tests run every function behind its
 * mapping under the deployed consumer groups, which would also consume every other test's records on
 * a shared broker. Packaged `dev` only (its mappings are what the emulator runs).
 */
export async function setup(project: TestProject): Promise<void> {
  const [started, packaged] = await Promise.allSettled([
    startServiceInfrastructure(),
    packageStage('dev', { copy: true }),
  ]);
  if (started.status === 'rejected') throw started.reason;
  infrastructure = started.value;
  if (packaged.status === 'rejected') {
    await infrastructure.stop();
    throw packaged.reason;
  }
  project.provide('functionEnvironment', infrastructure.functionEnvironment);
  project.provide('kafkaBrokers', infrastructure.kafkaBrokers);
  project.provide('dynamodbEndpoint', infrastructure.dynamodbEndpoint);
  project.provide('brokerDescription', infrastructure.brokerDescription);
  project.provide('packagedTemplates', { dev: packaged.value, example: packaged.value });
}

export async function teardown(): Promise<void> {
  await infrastructure?.stop();
}
