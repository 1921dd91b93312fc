import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PACKAGED_TEMPLATE = join(ROOT, '.serverless/cloudformation-template-update-stack.json');

/** Two packagings in one folder collide (both write .serverless and .esbuild): one at a time. */
const LOCK = join(ROOT, '.package.lock');
/** the lock's owner, so that a lock whose process is gone (a killed run) is taken over at once */
const OWNER = join(LOCK, 'pid');
/** A lock older than any packaging is left over, whoever owns it. */
const STALE_LOCK_MS = 300_000;

/** Whether the process that took the lock is gone (SIGKILLed runs leave their lock behind). */
function ownerGone(): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(OWNER, 'utf8'));
  } catch {
    return false; // not written yet, or the lock is gone already: look again
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return error instanceof Error && 'code' in error && error.code === 'ESRCH';
  }
}

async function withPackagingLock<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (;;) {
    signal?.throwIfAborted();
    try {
      mkdirSync(LOCK);
      writeFileSync(OWNER, String(process.pid));
      break;
    } catch {
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS || ownerGone()) rmSync(LOCK, { recursive: true, force: true });
      else await sleep(200, undefined, signal ? { signal } : {});
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** The environment the Serverless CLI runs with here: this one, minus AWS credentials (all offline). */
export function offlineEnvironment(): NodeJS.ProcessEnv {
  const {
    AWS_ACCESS_KEY_ID: _key,
    AWS_SECRET_ACCESS_KEY: _secret,
    AWS_PROFILE: _profile,
    ...env
  } = process.env;
  return env;
}

/**
 * `serverless package --stage <stage>`, offline and without AWS credentials, as a user runs it, one
 * packaging at a time in this folder. Returns the packaged CloudFormation template: in place, or with
 * `copy`, a copy that a later packaging cannot overwrite.
 */
export async function packageStage(
  stage: string,
  options: { copy?: boolean; signal?: AbortSignal } = {},
): Promise<string> {
  return withPackagingLock(async () => {
    await promisify(execFile)('npx', ['serverless', 'package', '--stage', stage], {
      cwd: ROOT,
      env: offlineEnvironment(),
      timeout: 180_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!options.copy) return PACKAGED_TEMPLATE;
    const copy = join(mkdtempSync(join(tmpdir(), `kafka-patterns-${stage}-`)), 'template.json');
    copyFileSync(PACKAGED_TEMPLATE, copy);
    return copy;
  }, options.signal);
}
