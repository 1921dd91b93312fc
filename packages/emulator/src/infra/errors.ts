import { EmulatorError } from '../errors.js';

/**
 * A local service could not start. The message is one line that names the cause and the fix;
 * the runner prints it alone, without a stack trace.
 * @example
 * ```ts
 * try {
 *   await startInfrastructure({ topics });
 * } catch (error) {
 *   if (error instanceof InfrastructureError) console.error(error.message); // which service, and why
 * }
 * ```
 */
export class InfrastructureError extends EmulatorError {
  override readonly name = 'InfrastructureError';
  /**
   * @param service - the service that could not start
   * @param message - the cause and the fix, one line
   */
  constructor(
    readonly service: 'dynamodb' | 'kafka' | 'tables' | 'serverless.yml',
    message: string,
  ) {
    super(`${service}: ${message}`, { service });
  }
}
