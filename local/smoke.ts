/**
 * `npm run smoke [-- --stage <name> [--param name=value] [--api-url URL]] [--timeout SECONDS]`: place
 * three orders (one completes, one over the payment limit, one its customer cancels) and follow each
 * through the system, one line per hop; exit 0 only when every order reached its outcome in time.
 * Without --stage, against a running `npm start`.
 */
import { parseArgs } from 'node:util';
import { runCli, STAGE_OPTIONS, UsageError } from '@msk-patterns/emulator';
import { SmokeError } from './smoke/diagnose.js';
import { runSmoke } from './smoke/run.js';
import { localTarget, stageTarget } from './smoke/targets.js';

const DEFAULT_TIMEOUT_S = 120;

runCli(async () => {
  const { values } = parseArgs({
    options: { ...STAGE_OPTIONS, 'api-url': { type: 'string' }, timeout: { type: 'string' } },
  });
  const timeout = Number(values.timeout ?? DEFAULT_TIMEOUT_S);
  if (!(Number.isFinite(timeout) && timeout > 0))
    throw new UsageError(`--timeout ${values.timeout} is not a number of seconds`);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const target = values.stage
      ? await stageTarget(values.stage, values.param ?? [], values['api-url'])
      : localTarget();
    try {
      return (await runSmoke(target, { timeoutMs: timeout * 1000, log })) ? 0 : 1;
    } finally {
      await target.service.release();
    }
  } catch (error) {
    if (!(error instanceof SmokeError)) throw error;
    process.stderr.write(`smoke FAILED: ${error.message}\n  fix: ${error.fix}\n`);
    return 1;
  }
});
