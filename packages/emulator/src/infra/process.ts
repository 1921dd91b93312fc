import { type ChildProcess, spawn } from 'node:child_process';

/** Keeps the last lines a service printed, to explain why it stopped. */
export function captureOutput(child: ChildProcess, keep = 20): () => string {
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim()) lines.push(line.trim());
    }
    lines.splice(0, Math.max(0, lines.length - keep));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return () => lines.join(' | ');
}

/** Resolves when the child exits, with its exit code or signal. */
export function exited(child: ChildProcess): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(`exit ${child.exitCode ?? child.signalCode}`);
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(`exit ${code ?? signal}`)));
}

/** Poll `probe` until it returns true; reject with the last probe error at the deadline or on abort. */
export async function waitUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  signal?: AbortSignal,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline && !signal?.aborted) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `not ready after ${timeoutMs} ms${lastError instanceof Error ? ` (${lastError.message})` : ''}`,
  );
}

/**
 * Stop a child and wait for it to go; SIGKILL if it ignores SIGTERM.
 *
 * @param child - the process to stop
 * @param graceMs - how long SIGTERM may take before SIGKILL
 */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/**
 * Tie a service's life to this process: a watchdog kills the child once this process is gone. It
 * covers what no signal handler can, the runner killed with SIGKILL or crashing, also mid-start.
 * The watchdog ends with the child: a child that exits (or is killed) while this process lives is
 * this process's to handle.
 *
 * @param options.removeWhenOrphaned - a folder the watchdog deletes once it has stopped the child
 *   (SIGTERM, then SIGKILL after 10 s): the service's data, which nobody else would remove
 *
 * @param child - a child process this process started
 * @param options - a folder to remove once the child is orphaned
 */
export function guardChild(child: ChildProcess, options: { removeWhenOrphaned?: string } = {}): ChildProcess {
  if (child.pid === undefined) return child;
  const script = [
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 0.3; done',
    'kill "$2" 2>/dev/null',
    // Only an orphan's data: a child that died while this process lives may be restarted on it.
    'if [ -n "$3" ] && ! kill -0 "$1" 2>/dev/null; then',
    '  i=0; while kill -0 "$2" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.2; i=$((i+1)); done',
    '  kill -9 "$2" 2>/dev/null; rm -rf "$3"',
    'fi',
  ].join('\n');
  const reaper = spawn(
    '/bin/sh',
    ['-c', script, 'reaper', String(process.pid), String(child.pid), options.removeWhenOrphaned ?? ''],
    { detached: true, stdio: 'ignore' },
  );
  reaper.once('error', () => {}); // best effort: without /bin/sh only the signal handlers stop services
  reaper.unref();
  child.once('exit', () => reaper.kill());
  return child;
}

export interface ReadinessCheck {
  /** true once the service answers */
  probe: () => Promise<boolean>;
  timeoutMs: number;
  /** the error for a process that could not be spawned (e.g. ENOENT) */
  spawnFailed: (error: NodeJS.ErrnoException) => Error;
  /** the error for a process that exited before it was ready; `output` is what it printed last */
  stoppedEarly: (how: string, output: string) => Error;
  /** the error for a process that did not become ready in time */
  notReady: (reason: string) => Error;
}

/**
 * Wait until a freshly spawned service is ready. Whatever goes wrong (spawn error, early exit,
 * time-out), the child is stopped before the returned promise rejects: nothing is left running.
 */
export async function awaitReadiness(child: ChildProcess, check: ReadinessCheck): Promise<void> {
  const output = captureOutput(child);
  const polling = new AbortController();
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(check.spawnFailed(error)));
    void exited(child).then((how) => reject(check.stoppedEarly(how, output() || 'no output')));
  });
  // After a successful start the service still exits one day; that is not an error any more.
  failed.catch(() => {});
  const ready = waitUntil(check.probe, check.timeoutMs, polling.signal).catch((error: Error) => {
    throw check.notReady(error.message);
  });
  try {
    await Promise.race([ready, failed]);
  } catch (error) {
    polling.abort();
    await stopChild(child);
    throw error;
  }
}
