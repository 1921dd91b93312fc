/**
 * `npm run check:cloud`: packages the dev and example stages and runs cfn-lint (the CloudFormation
 * linter, which validates every resource against the CloudFormation registry schemas and much more)
 * on each template. Needs `cfn-lint` on PATH (`pipx install cfn-lint`); CI has it. `npm test` checks
 * the same templates against the registry schemas without it (test/deployment/cloud.test.ts).
 *
 * W3005 ("dependency already enforced") is left out: the Serverless Framework adds a DependsOn to
 * each function and route that its references already imply, which is redundant, not wrong.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { packageStage, runCli } from '@msk-patterns/emulator';

const STAGES = ['dev', 'example'];

runCli(async () => {
  const run = promisify(execFile);
  try {
    await run('cfn-lint', ['--version']);
  } catch {
    console.error('cfn-lint is not on PATH: install it (pipx install cfn-lint) and run again');
    return 1;
  }
  let failed = 0;
  for (const stage of STAGES) {
    const template = await packageStage(stage, { copy: true });
    const result = await run('cfn-lint', ['--ignore-checks', 'W3005', '--', template]).then(
      () => ({ code: 0, output: '' }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        output: `${error.stdout}${error.stderr}`,
      }),
    );
    const errors = (result.output.match(/^E\d{4}/gm) ?? []).length;
    const warnings = (result.output.match(/^W\d{4}/gm) ?? []).length;
    console.log(`cfn-lint stage ${stage}: ${errors} errors, ${warnings} warnings`);
    if (result.output) console.log(result.output.trim());
    if (result.code !== 0) failed++;
  }
  return failed === 0 ? 0 : 1;
});
