import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';

/**
 * Client configuration from the environment. `DYNAMODB_ENDPOINT` points at DynamoDB Local; it accepts
 * any credentials, so when none are configured we give it placeholders instead of failing the lookup.
 *
 * @param env - where `DYNAMODB_ENDPOINT` and `AWS_REGION` are read
 * @example
 * ```ts
 * new DynamoDBClient(dynamoDbConfig({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', AWS_REGION: 'eu-west-1' }));
 * ```
 */
export function dynamoDbConfig(env: Readonly<Record<string, string | undefined>>): DynamoDBClientConfig {
  // No request timeout of the SDK's own: the pipeline races every call against the invocation's
  // deadline (packages/pipeline/src/pipeline/retry.ts), and setting `requestHandler: { requestTimeout, connectionTimeout }`
  // cost 20 % of `npm start -- --once` (63 s against 51 s, invocations 60-80 % longer; docs/benchmarks.md).
  const config: DynamoDBClientConfig = { region: env.AWS_REGION ?? 'eu-west-1' };
  if (env.DYNAMODB_ENDPOINT) {
    config.endpoint = env.DYNAMODB_ENDPOINT;
    if (!env.AWS_ACCESS_KEY_ID) config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return config;
}

/**
 * The name of a table from the environment variable serverless.yml sets for it.
 *
 * @param variable - the environment variable naming the table
 * @param env - where it is read
 * @example
 * ```ts
 * tableName('ORDERS_TABLE', process.env); // the name, or an error naming the unset variable
 * ```
 */
export function tableName(variable: string, env: Readonly<Record<string, string | undefined>>): string {
  const name = env[variable];
  if (!name)
    throw new Error(
      `environment variable ${variable} is not set: it names a DynamoDB table (serverless.yml provider.environment)`,
    );
  return name;
}

/**
 * The items of `keys` that exist: one BatchGetItem per 100 keys, unprocessed keys asked again.
 * BatchGetItem refuses a request that names a key twice, so the keys must be distinct.
 *
 * @param client - the document client
 * @param table - the table
 * @param keys - the items' keys, any number
 * @param options - the attributes to read
 * @example
 * ```ts
 * const items = await batchGetAll(client, 'dev-inventory', skus.map((sku) => ({ id: sku })), { consistentRead: true });
 * ```
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  table: string,
  keys: ReadonlyArray<Record<string, unknown>>,
  options: { consistentRead?: boolean; projection?: string } = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += 100) {
    let request: BatchGetCommandInput['RequestItems'] = {
      [table]: {
        Keys: keys.slice(start, start + 100),
        ...(options.consistentRead ? { ConsistentRead: true } : {}),
        ...(options.projection ? { ProjectionExpression: options.projection } : {}),
      },
    };
    while (request && Object.keys(request).length > 0) {
      const response: BatchGetCommandOutput = await client.send(
        new BatchGetCommand({ RequestItems: request }),
      );
      items.push(...(response.Responses?.[table] ?? []));
      request = response.UnprocessedKeys;
    }
  }
  return items;
}

/**
 * Every item a query matches, following `LastEvaluatedKey` across pages.
 *
 * @param client - the document client
 * @param input - the query, without a start key
 * @example
 * ```ts
 * const events = await queryAll(client, { TableName: table, KeyConditionExpression: 'streamId = :s', ExpressionAttributeValues: { ':s': id } });
 * ```
 */
export async function queryAll(
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * A transaction Put guarded by the status the decision was made on: the item must not exist yet
 * (`absent`), or must still carry `expected` in its `status` attribute. A concurrent change fails the
 * condition and the pipeline decides again on fresh state.
 *
 * @param table - the table
 * @param item - the item to write
 * @param expected - the status the stored item must have (or none)
 * @example
 * ```ts
 * const write = putIfStatus('dev-payments', { id: 'order-1', status: 'charged' }, ABSENT); // only if absent
 * ```
 */
export function putIfStatus(
  table: string,
  item: Record<string, unknown> & { id: string },
  expected: string,
): NonNullable<TransactWriteCommandInput['TransactItems']>[number] {
  return {
    Put: {
      TableName: table,
      Item: item,
      ...(expected === ABSENT
        ? { ConditionExpression: 'attribute_not_exists(id)' }
        : {
            ConditionExpression: '#status = :expected',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':expected': expected },
          }),
    },
  };
}

/** For {@link putIfStatus}: the item must not exist yet. */
export const ABSENT = 'absent';
