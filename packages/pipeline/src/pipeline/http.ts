import '../common/zod-messages.js';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { PipelineError } from '../common/errors.js';
import { type DeclaredHandler, declareAccess, TABLE_ACCESS } from '../deploy/access.js';
import { containerContext, type ServiceContext } from './service-context.js';

/**
 * An HTTP error with the status and the message the client gets as JSON.
 * @example
 * ```ts
 * httpQuery(['ORDER_VIEWS_TABLE'], z.object({ orderId: z.string() }), async ({ orderId }, service) => {
 *   const view = await views(service).get(orderId);
 *   if (!view) throw new HttpError(404, `order ${orderId} not found`); // answered as { error } with status 404
 *   return view;
 * });
 * ```
 */
export class HttpError extends PipelineError {
  override readonly name = 'HttpError';
  /**
   * @param statusCode - the HTTP status to answer with
   * @param message - what the caller is told
   */
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message, { context: { statusCode } });
  }
}

/**
 * An API Gateway (HTTP API) answer with a JSON body.
 *
 * @param statusCode - the HTTP status
 * @param body - the body, serialised as JSON
 * @example
 * ```ts
 * return json(404, { error: 'order order-1 not found' }); // content-type application/json
 * ```
 */
export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * The most items a list route answers with. Lambda's response takes 6 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): 100 of the largest
 * listed items (an order event of 98 lines, ~9 KB) stay far below it.
 */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 50;

/** `?limit=`: 1 to {@link MAX_PAGE_SIZE}, {@link DEFAULT_PAGE_SIZE} when absent. */
export const pageLimit = z._default(
  z.coerce.number().check(z.int(), z.positive(), z.lte(MAX_PAGE_SIZE)),
  DEFAULT_PAGE_SIZE,
);

/**
 * An opaque page cursor (`?cursor=`) that carries `position`, as base64url JSON. Clients pass back
 * what a page gave them; anything else is a 400, never a query the API did not mean to make.
 * @param position what a cursor holds (where the next page starts)
 * @example
 * const orderCursor = pageCursor(z.object({ after: entityId }));
 * orderCursor.encode({ after: 'o-42' }); // 'eyJhZnRlciI6Im8tNDIifQ'
 */
export function pageCursor<TPosition>(position: z.core.$ZodType<TPosition>) {
  function decode(text: string): TPosition | undefined {
    try {
      const parsed = z.safeParse(position, JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
  return {
    /** the query parameter: absent, or a cursor a page of this route gave */
    param: z.optional(
      z.pipe(
        z.string().check(z.maxLength(1024)),
        z.transform((text, context) => {
          const decoded = decode(text);
          if (decoded === undefined)
            context.issues.push({ code: 'custom', message: 'not a cursor this API gave', input: text });
          return decoded;
        }),
      ),
    ),
    encode: (value: TPosition): string => Buffer.from(JSON.stringify(value)).toString('base64url'),
  };
}

/** What {@link httpQuery} returns: an HTTP API handler carrying the tables its role may read. */
export type HttpQueryHandler = DeclaredHandler<
  (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>
>;

/**
 * An HTTP API (API Gateway v2) handler whose path and query parameters are validated by zod: bad
 * input is a 400 with the reasons, an HttpError its own status, anything else a 500 — always JSON.
 * Queries only read: `reads` names the tables (by their environment variables) the deployed role may
 * read, and nothing else.
 *
 * @param reads - the table variables the query reads (its role may read only these)
 * @param params - the zod schema of the path and query parameters
 * @param query - what answers, from valid parameters and the service context
 * @param options - `service`: the clients and table names the query is given
 * @default options.service: {@link containerContext}
 * @example
 * ```ts
 * export const getOrder = httpQuery(['ORDER_VIEWS_TABLE'], z.object({ orderId: z.string() }), async ({ orderId }, service) => {
 *   const view = await new OrderViews(service.documentClient, service.tableName('ORDER_VIEWS_TABLE')).get(orderId);
 *   if (!view) throw new HttpError(404, `order ${orderId} not found`);
 *   return view;
 * });
 * ```
 */
export function httpQuery<TParams extends z.core.$ZodType>(
  reads: readonly string[],
  params: TParams,
  query: (input: z.infer<TParams>, service: ServiceContext) => Promise<unknown>,
  options: { service?: ServiceContext } = {},
): HttpQueryHandler {
  const service = options.service ?? containerContext();
  async function handleRequest(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const parsed = z.safeParse(params, { ...event.pathParameters, ...event.queryStringParameters });
    if (!parsed.success) {
      return json(400, {
        error: 'invalid request',
        issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      });
    }
    try {
      return json(200, await query(parsed.data, service));
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
