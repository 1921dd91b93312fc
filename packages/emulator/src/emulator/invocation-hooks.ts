import type { MskEvent } from '@msk-patterns/pipeline';

/**
 * What a function process runs around each invocation: the chaos run kills processes at step
 * boundaries with these. The module named by `FunctionProcesses.hooks` default-exports an
 * {@link InvocationHooksFactory}.
 */
export interface InvocationHooks {
  /** the event arrived, before the handler runs */
  beforeInvoke?(event: MskEvent): Promise<void>;
  /** the handler returned, before its answer is sent to the emulator */
  afterInvoke?(event: MskEvent): Promise<void>;
}

/**
 * Builds a process's hooks once, before its handler is loaded.
 *
 * @param report - tells the emulator about a fault (await it before killing the process)
 * @example
 * ```ts
 * const hooks: InvocationHooksFactory = (report) => ({
 *   async beforeInvoke() {
 *     if (Math.random() < 0.01) {
 *       await report('kill:before-invoke');
 *       process.kill(process.pid, 'SIGKILL');
 *     }
 *   },
 * });
 * export default hooks;
 * ```
 */
export type InvocationHooksFactory = (
  report: (fault: string) => Promise<void>,
) => InvocationHooks | Promise<InvocationHooks>;
