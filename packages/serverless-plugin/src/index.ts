/**
 * @msk-patterns/serverless-plugin: what the Serverless Framework's `msk` event leaves out, added at
 * packaging — error controls, `kafka://` on-failure destinations and `MetricsConfig` on every mapping,
 * the topics, one least-privilege role per function generated from its handler's declaration, alarms.
 *
 * The default export is the plugin class Serverless loads; the named exports are the same steps for
 * a build of your own and for tests.
 */

export { type ConsumerMetrics, MAPPING_FAILURE_METRICS, type MappingFailureMetric } from './alarms.js';
export { type ClusterArns, clusterArns } from './arns.js';
export { extendTemplate, type ServiceDescription, serviceTopics } from './cloud.js';
export { type DashboardParts, dashboardResource } from './dashboard.js';
export {
  type FunctionDeclaration,
  handlerExport,
  importFunctionModule,
} from './declarations.js';
export {
  ClusterArnError,
  DeploymentError,
  MissingDeclarationError,
  PluginConfigurationError,
  UndeclaredTableError,
} from './errors.js';
export { functionKeyOf, functionLogicalIds } from './naming.js';
export {
  CUSTOM_KEY,
  type PluginOptions,
  type PluginOptionsInput,
  PluginOptionsSchema,
  pluginOptions,
} from './options.js';
export type { ServerlessInstance } from './plugin.js';
export { default } from './plugin.js';
export { DYNAMODB_ACTIONS, type RoleInput } from './roles.js';
export type { Json, Resource, ServiceFunction, Statement, Template } from './types.js';
