/**
 * `npm run console -- --stage <name> [--param name=value] [--allow-redrive] [--port N]`: the operator
 * console against a deployed stage, on loopback, with the caller's AWS credentials (MSK IAM to the
 * brokers, the stage's tables). Read-only unless `--allow-redrive`. A running `npm start` serves its
 * own console and prints its address.
 */
import { parseArgs } from 'node:util';
import { runCli, STAGE_OPTIONS, UsageError } from '@msk-patterns/emulator';
import { startStageConsole } from './console/stage.js';

runCli(async () => {
  const { values } = parseArgs({
    options: { ...STAGE_OPTIONS, 'allow-redrive': { type: 'boolean' }, port: { type: 'string' } },
  });
  if (!values.stage)
    throw new UsageError(
      'usage: npm run console -- --stage <name> [--param name=value] [--allow-redrive] [--port N]\n' +
        '(locally, `npm start` serves the console and prints its address)',
    );
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65_536))
    throw new UsageError(`--port ${values.port} is not a port`);
  const running = await startStageConsole({
    stage: values.stage,
    params: values.param,
    allowRedrive: values['allow-redrive'] === true,
    port,
  });
  console.log(
    `operator console for stage ${values.stage}${values['allow-redrive'] ? '' : ' (read-only)'} on ${running.url}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  return 0;
});
