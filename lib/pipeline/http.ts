import '../common/zod-messages.js';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { declareAccess, TABLE_ACCESS } from '../deploy/access.js';
import type { TableVariable } from '../deploy/tables.js';

/** An HTTP error with the status and the message the client gets as JSON. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * An HTTP API (API Gateway v2) handler whose path and query parameters are validated by zod: bad
 * input is a 400 with the reasons, an HttpError its own status, anything else a 500 — always JSON.
 * Queries only read: `reads` names the tables (by their environment variables) the deployed role may
 * read, and nothing else.
 */
export function httpQuery<TParams extends z.core.$ZodType>(
  reads: readonly TableVariable[],
  params: TParams,
  query: (input: z.infer<TParams>) => Promise<unknown>,
) {
  async function handleRequest(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const parsed = z.safeParse(params, { ...event.pathParameters, ...event.queryStringParameters });
    if (!parsed.success) {
      return json(400, {
        error: 'invalid request',
        issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      });
    }
    try {
      return json(200, await query(parsed.data));
    } catch (error) {
      if (error instanceof HttpError) return json(error.statusCode, { error: error.message });
      console.error(error);
      return json(500, { error: 'internal error' });
    }
  }
  return declareAccess(middy(handleRequest), {
    tables: Object.fromEntries(reads.map((table) => [table, TABLE_ACCESS.read])),
  });
}
