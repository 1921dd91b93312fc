import { loadServerlessConfig, type ServerlessConfig } from './infra/serverless-config.js';

/**
 * serverless.yml resolved for a deployed stage, with the stage parameters given on the command line
 * (`--param name=value`) winning over `params.<stage>`, as `serverless deploy` resolves it.
 *
 * @param stage - the deployed stage
 * @param params - stage parameters as `name=value` (`--param`)
 * @example
 * ```ts
 * const config = stageConfig('prod', ['clusterArn=arn:aws:kafka:…']);
 * Object.keys(config.functions); // the stage's functions
 * ```
 */
export function stageConfig(stage: string, params: readonly string[] = []): ServerlessConfig {
  const given = Object.fromEntries(
    params.map((param) => {
      const at = param.indexOf('=');
      return [param.slice(0, at), param.slice(at + 1)];
    }),
  );
  return loadServerlessConfig({ stage, params: given });
}

/**
 * The environment a stage's functions run with — table names, the cluster ARN, `KAFKA_AUTH=iam` —
 * read from serverless.yml for that stage, so that operator tools (`npm run dlq`, `npm run saga`)
 * reach the deployed tables and topics as the functions do: MSK IAM over TLS, brokers asked of the
 * cluster, the caller's AWS credentials. `params` are the stage parameters given on the command line
 * (`--param name=value`), as `serverless deploy` takes them.
 *
 * @param stage - the deployed stage
 * @param params - stage parameters as `name=value` (`--param`)
 * @example
 * ```ts
 * const env = stageEnvironment('prod', ['clusterArn=arn:aws:kafka:…']);
 * env.MSK_CLUSTER_ARN; env.IDEMPOTENCY_TABLE; // the deployed stage's, from serverless.yml
 * ```
 */
export function stageEnvironment(stage: string, params: readonly string[] = []): Record<string, string> {
  const config = stageConfig(stage, params);
  const region = typeof config.provider.region === 'string' ? config.provider.region : undefined;
  return { ...(config.provider.environment ?? {}), ...(region ? { AWS_REGION: region } : {}) };
}

/** The `parseArgs` options of a tool that can work against a deployed stage. */
export const STAGE_OPTIONS = {
  stage: { type: 'string' },
  param: { type: 'string', multiple: true },
} as const;
