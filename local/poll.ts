import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Ask `probe` until it answers true or the time is up; returns its last answer. For conditions the
 * local tools wait on in other processes' work (a saga finishing, a view catching up), never to pace.
 */
export async function pollUntil(
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(options.intervalMs ?? 200);
  }
}
