/**
 * The base class of every error the plugin throws: packaging stops with the message, which names the
 * setting or the function to fix. `context` carries the identifiers involved (never a secret).
 * @example
 * ```ts
 * try {
 *   pluginOptions(serverless.service.custom);
 * } catch (error) {
 *   // any of the plugin's errors: its message names the setting or function, `context` says more
 *   if (error instanceof DeploymentError) console.error(error.name, error.message, error.context);
 * }
 * ```
 */
export class DeploymentError extends Error {
  override readonly name: string = 'DeploymentError';
  readonly context: Readonly<Record<string, string>>;

  /**
   * @param message - what to fix
   * @param context - the identifiers involved
   */
  constructor(message: string, context: Record<string, string> = {}) {
    super(message);
    this.context = context;
  }
}

/**
 * A handler exports no access declaration: its role cannot be generated.
 * @example
 * ```ts
 * await importFunctionModule(serviceDirectory, 'functions/missing/handler.handler');
 * // MissingDeclarationError: functions/missing/handler.handler: no module functions/missing/handler{.ts,.mts,.js,.mjs,.cjs}
 * ```
 */
export class MissingDeclarationError extends DeploymentError {
  override readonly name = 'MissingDeclarationError';
}

/**
 * A function declares a table variable that names no table of the service.
 * @example
 * ```ts
 * // a handler declaring { ORDERS_TABLE: 'write' } in a service with no ORDERS_TABLE in provider.environment:
 * // UndeclaredTableError naming the function and the variable
 * ```
 */
export class UndeclaredTableError extends DeploymentError {
  override readonly name = 'UndeclaredTableError';
}

/**
 * The mappings' cluster ARN is not an MSK cluster ARN.
 * @example
 * ```ts
 * try { clusterArns('not-an-arn'); } catch (error) {
 *   if (error instanceof ClusterArnError) console.error(error.message, error.context);
 * }
 * ```
 */
export class ClusterArnError extends DeploymentError {
  override readonly name = 'ClusterArnError';
}

/**
 * `custom.mskPatterns` is missing a setting or has one of the wrong shape.
 * @example
 * ```ts
 * pluginOptions({ mskPatterns: { alarms: 'yes' } });
 * // PluginConfigurationError naming custom.mskPatterns.alarms and what it must be
 * ```
 */
export class PluginConfigurationError extends DeploymentError {
  override readonly name = 'PluginConfigurationError';
}
