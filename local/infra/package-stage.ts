import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `serverless package --stage <stage>`, offline and without AWS credentials, as a user runs it.
 * Returns a copy of the packaged CloudFormation template that a later packaging cannot overwrite.
 * Two packagings in one folder collide (both write .serverless and .esbuild): run them one by one.
 */
export async function packageStage(stage: string): Promise<string> {
  const {
    AWS_ACCESS_KEY_ID: _key,
    AWS_SECRET_ACCESS_KEY: _secret,
    AWS_PROFILE: _profile,
    ...env
  } = process.env;
  await promisify(execFile)('npx', ['serverless', 'package', '--stage', stage], {
    cwd: ROOT,
    env,
    timeout: 180_000,
  });
  const copy = join(mkdtempSync(join(tmpdir(), `kafka-patterns-${stage}-`)), 'template.json');
  copyFileSync(join(ROOT, '.serverless/cloudformation-template-update-stack.json'), copy);
  return copy;
}
