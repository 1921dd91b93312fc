/**
 * The base class of every error the plugin throws: packaging stops with the message, which names the
 * setting or the function to fix. `context` carries the identifiers involved (never a secret).
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

/** A handler exports no access declaration: its role cannot be generated. */
export class MissingDeclarationError extends DeploymentError {
  override readonly name = 'MissingDeclarationError';
}

/** A function declares a table variable that names no table of the service. */
export class UndeclaredTableError extends DeploymentError {
  override readonly name = 'UndeclaredTableError';
}

/** The mappings' cluster ARN is not an MSK cluster ARN. */
export class ClusterArnError extends DeploymentError {
  override readonly name = 'ClusterArnError';
}

/** `custom.mskPatterns` is missing a setting or has one of the wrong shape. */
export class PluginConfigurationError extends DeploymentError {
  override readonly name = 'PluginConfigurationError';
}
