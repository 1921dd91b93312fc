import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { ServerlessConfig } from '@msk-patterns/emulator';
import { lambdaContext, loadHandler } from '@msk-patterns/emulator';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

interface Route {
  functionKey: string;
  handler: string;
  method: string;
  routeKey: string;
  pattern: RegExp;
  parameters: string[];
  timeoutSeconds: number;
}

/** The `httpApi` routes of serverless.yml. */
export function httpRoutes(config: ServerlessConfig): Route[] {
  const routes: Route[] = [];
  for (const [functionKey, fn] of Object.entries(config.functions)) {
    for (const event of fn.events ?? []) {
      const http = event.httpApi as { method?: string; path?: string } | undefined;
      if (!http?.path) continue;
      const parameters: string[] = [];
      const source = http.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        parameters.push(name);
        return '([^/]+)';
      });
      const method = (http.method ?? '*').toUpperCase();
      routes.push({
        functionKey,
        handler: fn.handler,
        method,
        routeKey: `${method} ${http.path}`,
        pattern: new RegExp(`^${source}$`),
        parameters,
        timeoutSeconds: fn.timeout ?? Number(config.provider.timeout ?? 6),
      });
    }
  }
  return routes;
}

/**
 * Serve the HTTP functions locally: each request becomes an API Gateway v2 (payload 2.0) event for
 * the function whose route matches, run in-process. Unknown routes answer 404 as API Gateway does.
 */
export async function startHttpServer(
  config: ServerlessConfig,
  port = 0,
): Promise<{ url: string; server: Server }> {
  const routes = httpRoutes(config);
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const route = routes.find(
      (candidate) =>
        (candidate.method === '*' || candidate.method === method) && candidate.pattern.test(url.pathname),
    );
    const send = (result: APIGatewayProxyStructuredResultV2) => {
      response.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
      response.end(result.body ?? '');
    };
    if (!route)
      return send({
        statusCode: 404,
        headers: { 'content-type': 'application/json' },
        body: '{"message":"Not Found"}',
      });
    const match = route.pattern.exec(url.pathname) ?? [];
    const pathParameters = Object.fromEntries(
      route.parameters.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]),
    );
    const query = Object.fromEntries(url.searchParams);
    const event = {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.searchParams.toString(),
      headers: Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
      ),
      ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
      ...(route.parameters.length > 0 ? { pathParameters } : {}),
      requestContext: {
        http: {
          method,
          path: url.pathname,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: request.headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: route.routeKey,
        stage: '$default',
      },
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    try {
      const handler = (await loadHandler(route.handler)) as unknown as (
        e: APIGatewayProxyEventV2,
        c: Context,
      ) => Promise<APIGatewayProxyStructuredResultV2>;
      send(await handler(event, lambdaContext(route.functionKey, route.timeoutSeconds)));
    } catch (error) {
      send({
        statusCode: 500,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: String(error) }),
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`, server };
}
