/**
 * `npm run invoke -- <function> [eventFile]`: invoke one function with a sample event against the
 * local infrastructure — started for the call, or the running one given by DYNAMODB_ENDPOINT and
 * KAFKA_BROKERS. The event defaults to events/<function>.json.
 */

import { existsSync, readFileSync } from 'node:fs';
import {
  InfrastructureError,
  lambdaContext,
  loadHandler,
  loadServerlessConfig,
  runCli,
  UsageError,
} from '@msk-patterns/emulator';
import { containerContext } from '@msk-patterns/pipeline';
import { startServiceInfrastructure } from './service.js';

async function main(): Promise<number> {
  const [functionKey, eventFile = `events/${functionKey}.json`] = process.argv.slice(2);
  if (!functionKey) throw new UsageError('usage: npm run invoke -- <function> [eventFile]');
  const { functions } = loadServerlessConfig();
  const fn = functions[functionKey];
  if (!fn)
    throw new UsageError(
      `no function ${functionKey} in serverless.yml (have: ${Object.keys(functions).join(', ')})`,
    );
  if (!existsSync(eventFile))
    throw new UsageError(`no event file ${eventFile}: npm run invoke -- ${functionKey} events/<file>.json`);
  const event = JSON.parse(readFileSync(eventFile, 'utf8')) as unknown;

  const infrastructure = await startServiceInfrastructure();
  try {
    Object.assign(process.env, infrastructure.functionEnvironment);
    const handler = await loadHandler(fn.handler);
    const timeout = fn.timeout ?? Number(infrastructure.config.provider.timeout ?? 6);
    const response = await handler(event as never, lambdaContext(functionKey, timeout));
    process.stdout.write(`${JSON.stringify(response ?? null, null, 2)}\n`);
    return 0;
  } finally {
    // The function's module reads the container's context: what it opened, this process closes.
    await containerContext()
      .release()
      .catch(() => {});
    await infrastructure.stop();
  }
}

runCli(main, [InfrastructureError]);
