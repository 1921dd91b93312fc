import { EmulatorError } from './errors.js';

/**
 * Wrong arguments: the message is printed alone and the command exits with 2.
 * @example
 * ```ts
 * runCli(async () => {
 *   const [orderId] = process.argv.slice(2);
 *   if (!orderId) throw new UsageError('usage: saga <orderId>'); // printed without a stack, exit 2
 * });
 * ```
 */
export class UsageError extends EmulatorError {
  override readonly name = 'UsageError';
}

export type CliErrorClass = abstract new (...args: never[]) => Error;

/**
 * Run a local command: exit with what `main` returns (0 when nothing). Expected errors — usage errors
 * and the classes in `plain` — print their one-line message; anything else prints its stack.
 *
 * @param main - the command; what it resolves is the exit code (0 when nothing)
 * @param plain - error classes printed as their message alone (exit 1)
 * @example
 * ```ts
 * runCli(async () => {
 *   await doWork();
 *   return 0; // the exit code; an error prints its message (a stack only for unexpected ones)
 * }, [InfrastructureError]);
 * ```
 */
export function runCli(
  main: () => Promise<number | undefined> | Promise<void>,
  plain: readonly CliErrorClass[] = [],
): void {
  // The SDK warns that its releases after January 2027 need Node 22; the lockfile pins this one.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  main().then(
    (code) => process.exit(code ?? 0),
    (error: unknown) => {
      const expected = error instanceof UsageError || plain.some((type) => error instanceof type);
      process.stderr.write(
        `${expected ? (error as Error).message : error instanceof Error ? error.stack : String(error)}\n`,
      );
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}
