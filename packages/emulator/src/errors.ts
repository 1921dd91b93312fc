/** What an error is about — a service, a mapping, a letter — safe to print: never a payload. */
export type EmulatorErrorContext = Readonly<Record<string, string | number | undefined>>;

/**
 * The base class of every error the emulator throws. Each class sets its `name` (the names Lambda
 * uses where it has one, `Runtime.ExitError`); `context` says what it is about.
 *
 * @example
 * ```ts
 * try { await startInfrastructure({ topics }); } catch (error) {
 *   if (error instanceof EmulatorError) console.error(error.name, error.message, error.context);
 * }
 * ```
 */
export class EmulatorError extends Error {
  override readonly name: string = 'EmulatorError';
  readonly context: EmulatorErrorContext;

  /**
   * @param message - what went wrong
   * @param context - what it is about
   * @default context {}
   */
  constructor(message: string, context: EmulatorErrorContext = {}) {
    super(message);
    this.context = context;
  }
}
