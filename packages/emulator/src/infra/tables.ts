import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { ServerlessConfig } from './serverless-config.js';

export interface TableProperties {
  TableName: string;
  AttributeDefinitions: CreateTableCommandInput['AttributeDefinitions'];
  KeySchema: CreateTableCommandInput['KeySchema'];
  BillingMode?: CreateTableCommandInput['BillingMode'];
  ProvisionedThroughput?: CreateTableCommandInput['ProvisionedThroughput'];
  GlobalSecondaryIndexes?: CreateTableCommandInput['GlobalSecondaryIndexes'];
  LocalSecondaryIndexes?: CreateTableCommandInput['LocalSecondaryIndexes'];
  StreamSpecification?: { StreamViewType?: string; StreamEnabled?: boolean };
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
}

/**
 * Every `AWS::DynamoDB::Table` of serverless.yml `resources`, keyed by logical id.
 *
 * @param config - serverless.yml, resolved
 * @example
 * ```ts
 * for (const [name, properties] of declaredTables(loadServerlessConfig())) console.log(name, properties.KeySchema);
 * ```
 */
export function declaredTables(config: ServerlessConfig): Map<string, TableProperties> {
  const tables = new Map<string, TableProperties>();
  for (const [logicalId, resource] of Object.entries(config.resources?.Resources ?? {})) {
    if (resource.Type === 'AWS::DynamoDB::Table')
      tables.set(logicalId, resource.Properties as unknown as TableProperties);
  }
  return tables;
}

/**
 * The CloudFormation table properties as a CreateTable request.
 *
 * @param properties - an `AWS::DynamoDB::Table`'s properties from serverless.yml
 * @example
 * ```ts
 * const client = localDynamoDbClient(endpoint);
 * for (const properties of declaredTables(config).values())
 *   await client.send(new CreateTableCommand(toCreateTableInput(properties)));
 * ```
 */
export function toCreateTableInput(properties: TableProperties): CreateTableCommandInput {
  const input: CreateTableCommandInput = {
    TableName: properties.TableName,
    AttributeDefinitions: properties.AttributeDefinitions,
    KeySchema: properties.KeySchema,
    BillingMode: properties.BillingMode ?? 'PROVISIONED',
    GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes,
    LocalSecondaryIndexes: properties.LocalSecondaryIndexes,
    ProvisionedThroughput: properties.ProvisionedThroughput,
  };
  const stream = properties.StreamSpecification;
  if (stream?.StreamViewType) {
    input.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.StreamViewType as 'NEW_IMAGE' };
  }
  return input;
}

/**
 * Create the declared tables (an existing table is left as it is) and switch on their TTL.
 *
 * @param client - a DynamoDB client (DynamoDB Local: `localDynamoDbClient`)
 * @param config - serverless.yml, resolved (`loadServerlessConfig`)
 * @example
 * ```ts
 * const client = localDynamoDbClient(dynamodb.endpoint);
 * await createDeclaredTables(client, loadServerlessConfig()); // ['dev-orders-events', …]
 * ```
 */
export async function createDeclaredTables(
  client: DynamoDBClient,
  config: ServerlessConfig,
): Promise<string[]> {
  const created: string[] = [];
  await Promise.all(
    [...declaredTables(config).values()].map(async (properties) => {
      try {
        await client.send(new CreateTableCommand(toCreateTableInput(properties)));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      const ttl = properties.TimeToLiveSpecification;
      if (ttl?.Enabled) {
        await client
          .send(
            new UpdateTimeToLiveCommand({
              TableName: properties.TableName,
              TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
            }),
          )
          .catch((error: Error) => {
            if (!/already enabled/i.test(error.message)) throw error;
          });
      }
      created.push(properties.TableName);
    }),
  );
  return created.sort();
}
