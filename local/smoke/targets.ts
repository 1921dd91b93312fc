import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { stageConfig, stageEnvironment } from '@msk-patterns/emulator';
import { createServiceContext, kafkaConfig } from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { mappingStates } from '../aws/mapping-states.js';
import { declaredMappings } from '../console/sources.js';
import { SERVICE_DIRECTORY } from '../service.js';
import { SmokeError } from './diagnose.js';
import type { SmokeTarget } from './run.js';
import { signedGetHeaders } from './signed-fetch.js';

/** Where a running `npm start` says its services are (it writes the file, and removes it when it stops). */
export const LOCAL_STACK_FILE = join(SERVICE_DIRECTORY, '.local', 'stack.json');

export const localStackShape = z.object({
  kafkaBrokers: z.array(z.string()),
  dynamodbEndpoint: z.string(),
  apiUrl: z.string(),
});
export type LocalStackAddresses = z.infer<typeof localStackShape>;

async function getJson(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, body };
}

/**
 * The local stack a running `npm start` serves: KAFKA_BROKERS, DYNAMODB_ENDPOINT and API_URL when
 * set, else what it wrote to `.local/stack.json`.
 *
 * @param env - the environment to read the addresses from
 */
export function localTarget(env: NodeJS.ProcessEnv = process.env): SmokeTarget {
  let addresses: LocalStackAddresses;
  if (env.KAFKA_BROKERS && env.DYNAMODB_ENDPOINT && env.API_URL)
    addresses = {
      kafkaBrokers: env.KAFKA_BROKERS.split(','),
      dynamodbEndpoint: env.DYNAMODB_ENDPOINT,
      apiUrl: env.API_URL,
    };
  else if (existsSync(LOCAL_STACK_FILE))
    addresses = z.parse(localStackShape, JSON.parse(readFileSync(LOCAL_STACK_FILE, 'utf8')));
  else
    throw new SmokeError(
      'no local stack: npm start is not running here',
      'start it (npm start) and run the smoke test again, or give --stage <name> for a deployed stage',
    );
  const environment: Record<string, string> = {
    ...stageEnvironment('dev'),
    DYNAMODB_ENDPOINT: addresses.dynamodbEndpoint,
  };
  return {
    name: 'the local stack',
    kafka: { brokers: addresses.kafkaBrokers, clientId: 'smoke' },
    service: createServiceContext({
      environment: {
        ...env,
        ...environment,
        KAFKA_BROKERS: addresses.kafkaBrokers.join(','),
        KAFKA_AUTH: 'none',
      },
    }),
    apiUrl: addresses.apiUrl,
    get: (path) => getJson(`${addresses.apiUrl}${path}`),
    mappings: declaredMappings(stageConfig('dev')),
    customerLimit: Number(environment.PAYMENT_CUSTOMER_LIMIT ?? 100_000),
  };
}

const stackOutputs = z.array(
  z.object({ OutputKey: z.optional(z.string()), OutputValue: z.optional(z.string()) }),
);

/** The stage's HTTP API address, from its CloudFormation stack's `HttpApiUrl` output. */
async function apiUrlOf(stackName: string, region: string | undefined): Promise<string> {
  const client = new CloudFormationClient({ ...(region ? { region } : {}), credentials: defaultProvider() });
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = z.parse(stackOutputs, Stacks?.[0]?.Outputs ?? []);
    const url = outputs.find((output) => output.OutputKey === 'HttpApiUrl')?.OutputValue;
    if (!url)
      throw new SmokeError(
        `the stack ${stackName} has no HttpApiUrl output`,
        'deploy the stage again (serverless deploy), or give --api-url',
      );
    return url.replace(/\/$/, '');
  } catch (error) {
    if (error instanceof SmokeError) throw error;
    throw new SmokeError(
      `cannot read the stack ${stackName}${region ? ` in ${region}` : ''}: ${error instanceof Error ? error.message : String(error)}`,
      'deploy the stage first, check the region and that your principal may cloudformation:DescribeStacks, or give --api-url',
    );
  } finally {
    client.destroy();
  }
}

/**
 * A deployed stage, with the caller's AWS credentials: MSK IAM over TLS to the brokers MSK names for
 * the stage's cluster, the stage's tables, its API signed with SigV4, its mappings' state from Lambda.
 *
 * @param stage - the deployed stage
 * @param params - `--param name=value`, as `serverless deploy` takes them
 * @param apiUrl - the API's address, when not read from the stack's outputs
 */
export async function stageTarget(
  stage: string,
  params: readonly string[],
  apiUrl?: string,
): Promise<SmokeTarget> {
  const environment = stageEnvironment(stage, params);
  const config = stageConfig(stage, params);
  const region = environment.AWS_REGION;
  if (!region)
    throw new SmokeError(
      `serverless.yml names no region for stage ${stage}`,
      'set provider.region, or give --region with serverless deploy',
    );
  const credentials = defaultProvider();
  const url = apiUrl ?? (await apiUrlOf(`${config.service}-${stage}`, region));
  const mappings = declaredMappings(config);
  return {
    name: `stage ${stage}`,
    kafka: kafkaConfig(environment, { credentials, clientId: 'smoke' }),
    clusterArn: environment.MSK_CLUSTER_ARN,
    service: createServiceContext({ environment: { ...process.env, ...environment } }),
    apiUrl: url,
    get: async (path) =>
      getJson(`${url}${path}`, await signedGetHeaders(new URL(`${url}${path}`), { credentials, region })),
    mappings,
    mappingStates: () =>
      mappingStates(
        mappings.map((mapping) => mapping.functionKey),
        { service: config.service, stage, region, credentials },
      ),
    customerLimit: Number(environment.PAYMENT_CUSTOMER_LIMIT ?? 100_000),
  };
}
