/**
 * The Serverless Framework's logical ids for a function of serverless.yml (osls `lib/plugins/aws/lib/naming.js`:
 * dashes become "Dash", underscores "Underscore", the first letter upper case). One copy, used by the
 * deployment builder, the emulator and the tests, so that all three find the resources the framework made.
 *
 * @param functionKey - a key under `functions:`
 * @example
 * ```ts
 * functionLogicalIds('order-commands');
 * // { function: 'OrderDashcommandsLambdaFunction', logGroup: 'OrderDashcommandsLogGroup' }
 * ```
 */
export function functionLogicalIds(functionKey: string) {
  const name = functionKey.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  const normalized = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  return { function: `${normalized}LambdaFunction`, logGroup: `${normalized}LogGroup` };
}

/**
 * The function key of serverless.yml whose Lambda function has this logical id.
 *
 * @param functionKeys - the keys under `functions:`
 * @param functionLogicalId - a Lambda function's logical id
 * @example
 * ```ts
 * functionKeyOf(['orderCommands', 'payments'], 'PaymentsLambdaFunction'); // 'payments'
 * ```
 */
export function functionKeyOf(
  functionKeys: readonly string[],
  functionLogicalId: string,
): string | undefined {
  return functionKeys.find((key) => functionLogicalIds(key).function === functionLogicalId);
}
