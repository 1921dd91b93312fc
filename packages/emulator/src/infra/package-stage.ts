import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

/** Where `serverless package` leaves the template, in the service directory. */
const PACKAGED_TEMPLATE = '.serverless/cloudformation-template-update-stack.json';

/** Two packagings in one folder collide (both write .serverless and .esbuild): one at a time. */
const LOCK = '.package.lock';
/** the lock's owner, so that a lock whose process is gone (a killed run) is taken over at once */
const OWNER = 'pid';
/** A lock older than any packaging is left over, whoever owns it. */
const STALE_LOCK_MS = 300_000;

/** Whether the process that took the lock is gone (SIGKILLed runs leave their lock behind). */
function ownerGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, OWNER), 'utf8'));
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

async function withPackagingLock<T>(
  serviceDirectory: string,
  work: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const lock = join(serviceDirectory, LOCK);
  for (;;) {
    signal?.throwIfAborted();
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, OWNER), String(process.pid));
      break;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS || ownerGone(lock)) rmSync(lock, { recursive: true, force: true });
      else await sleep(200, undefined, signal ? { signal } : {});
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * The environment the Serverless CLI runs with here: this one, minus AWS credentials (all offline).
 * @example
 * ```ts
 * execFileSync('npx', ['serverless', 'package'], { env: offlineEnvironment() }); // no AWS account asked
 * ```
 */
export function offlineEnvironment(): NodeJS.ProcessEnv {
  const {
    AWS_ACCESS_KEY_ID: _key,
    AWS_SECRET_ACCESS_KEY: _secret,
    AWS_PROFILE: _profile,
    ...env
  } = process.env;
  return env;
}

/** How {@link packageStage} packages. */
export interface PackageStageOptions {
  /** return a copy of the template that a later packaging cannot overwrite */
  copy?: boolean;
  signal?: AbortSignal;
  /**
   * The directory of serverless.yml.
   * @default process.cwd()
   */
  serviceDirectory?: string;
}

/**
 * `serverless package --stage <stage>`, offline and without AWS credentials, as a user runs it, one
 * packaging at a time per service directory (a lock directory, taken over when its owner died).
 *
 * @param stage - the stage to package
 * @returns the packaged CloudFormation template's path: in place, or a copy with `copy`
 * @example
 * ```ts
 * const template = await packageStage('dev', { copy: true });
 * ```
 *
 * @param options - a copy of the template, an abort signal, the service directory
 */
export async function packageStage(stage: string, options: PackageStageOptions = {}): Promise<string> {
  const serviceDirectory = options.serviceDirectory ?? process.cwd();
  return withPackagingLock(
    serviceDirectory,
    async () => {
      await promisify(execFile)('npx', ['serverless', 'package', '--stage', stage], {
        cwd: serviceDirectory,
        env: offlineEnvironment(),
        timeout: 180_000,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const template = join(serviceDirectory, PACKAGED_TEMPLATE);
      if (!options.copy) return template;
      const copy = join(mkdtempSync(join(tmpdir(), `serverless-${stage}-`)), 'template.json');
      copyFileSync(template, copy);
      return copy;
    },
    options.signal,
  );
}
