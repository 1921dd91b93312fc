import { LambdaClient, paginateListEventSourceMappings } from '@aws-sdk/client-lambda';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * Each function's event source mapping state as Lambda reports it (`Enabled`, `Disabled`, `Creating`,
 * `Updating`…: https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingConfiguration.html),
 * by function key; functions are named `<service>-<stage>-<key>`, the framework's default.
 *
 * @param functionKeys - the functions with a mapping
 * @param where - the service, stage, region and credentials
 */
export async function mappingStates(
  functionKeys: readonly string[],
  where: { service: string; stage: string; region: string; credentials: AwsCredentialIdentityProvider },
): Promise<Map<string, string>> {
  const lambda = new LambdaClient({ region: where.region, credentials: where.credentials });
  const states = new Map<string, string>();
  try {
    for (const key of new Set(functionKeys))
      for await (const page of paginateListEventSourceMappings(
        { client: lambda },
        { FunctionName: `${where.service}-${where.stage}-${key}` },
      ))
        for (const mapping of page.EventSourceMappings ?? []) states.set(key, mapping.State ?? 'unknown');
  } finally {
    lambda.destroy();
  }
  return states;
}
