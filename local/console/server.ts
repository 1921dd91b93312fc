import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type DeadLetter,
  DeadLetterTail,
  type KafkaConnection,
  RedriveRefusedError,
  redrive,
} from '@msk-patterns/emulator';
import type { ServiceContext } from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import type { AuditTrail } from './audit.js';
import { sagaCause, sagaState } from './contracts.js';
import { type LetterQuery, letterDetail, letterList } from './dead-letters.js';
import { type MappingSource, MappingWatch } from './mappings.js';
import { decodeCursor, orderPage, sagaList, sagaPage } from './orders.js';
import { newConsoleToken, refusal, SECURITY_HEADERS, TOKEN_HEADER, tokenCookie } from './security.js';

/** What the console reads and who runs it. */
export interface ConsoleOptions {
  /** the brokers (local) or a kafkajs configuration with MSK IAM (a stage) */
  kafka: KafkaConnection;
  /** where redrives are recorded */
  audit: AuditTrail;
  /** the operator, as the audit trail names them */
  operator: string;
  /** whether redrives may be sent (a dry run always may) */
  allowRedrive: boolean;
  /** the committed outbox of a letter's source record, when the idempotency table can be read */
  outboxOf?:
    | ((letter: DeadLetter) => Promise<{ messages: number; republished: boolean } | undefined>)
    | undefined;
  /** the sagas and orders tables (the saga and order pages) */
  service: ServiceContext;
  /** the event source mappings whose lag the mappings page shows */
  mappings?: (() => readonly MappingSource[] | Promise<readonly MappingSource[]>) | undefined;
  /** @default a free port */
  port?: number | undefined;
}

export interface RunningConsole {
  /** the address to open, with this start's token */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const redriveRequest = z.object({
  ids: z.array(z.string()).check(z.minLength(1), z.maxLength(10_000)),
  dryRun: z.boolean(),
  /** a send must say so explicitly, after its dry run */
  confirm: z.optional(z.boolean()),
});

const MAX_BODY_BYTES = 1_048_576;

/** The pages, as `npm run console:build` (part of `npm run build`) leaves them. */
const PAGES = fileURLToPath(new URL('./ui/dist/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** A built page or asset: only file names Vite writes, only from the build folder. */
async function page(response: ServerResponse, path: string): Promise<void> {
  const file = path === '/' ? 'index.html' : /^\/assets\/(\w[\w.-]*)$/.exec(path)?.[1];
  if (!file) throw new ConsoleHttpError(404, `no page ${path}`);
  const location = path === '/' ? join(PAGES, file) : join(PAGES, 'assets', file);
  const content = await readFile(location).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    if (path === '/') throw new ConsoleHttpError(503, 'the console is not built: run npm run build');
    throw new ConsoleHttpError(404, `no page ${path}`);
  });
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
  });
  response.end(content);
}

class ConsoleHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

async function jsonBody(request: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += bytes.length;
    if (size > MAX_BODY_BYTES) throw new ConsoleHttpError(413, 'request body over 1 MB');
    chunks.push(bytes);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ConsoleHttpError(400, 'the body is not JSON');
  }
}

function letterQuery(url: URL): LetterQuery {
  const parameter = (name: string) => url.searchParams.get(name) || undefined;
  const date = (name: string) => {
    const text = parameter(name);
    if (text === undefined) return undefined;
    const parsed = new Date(text);
    if (Number.isNaN(parsed.getTime())) throw new ConsoleHttpError(400, `${name}=${text} is not a date`);
    return parsed;
  };
  return {
    topic: parameter('topic'),
    source: parameter('source'),
    error: parameter('error'),
    functionName: parameter('function'),
    since: date('since'),
    until: date('until'),
    text: parameter('text'),
  };
}

/**
 * Serve the operator console's API on loopback, behind the per-start token (./security.ts). Dead
 * letters are read and redriven with the same library as `msk-dlq`; every redrive is recorded.
 *
 * @param options - where the letters are, who operates, whether redrive is allowed
 */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const token = newConsoleToken();
  let port = 0;

  // Read once, then followed: a page asks every few seconds, and a topic may hold many letters.
  const tail = new DeadLetterTail(options.kafka);
  const letters = () => tail.letters();
  const mappings = new MappingWatch(options.kafka);

  async function redriveLetters(body: unknown) {
    const parsed = z.safeParse(redriveRequest, body);
    if (!parsed.success) throw new ConsoleHttpError(400, 'give ids (a list) and dryRun (true or false)');
    const { ids, dryRun, confirm } = parsed.data;
    if (!dryRun && !options.allowRedrive)
      throw new ConsoleHttpError(403, 'this console is read-only: start it with --allow-redrive to send');
    if (!dryRun && confirm !== true)
      throw new ConsoleHttpError(400, 'a send needs confirm: true, after its dry run');
    const chosen = await Promise.all(ids.map((id) => tail.letter(id)));
    const missing = ids.filter((_, index) => chosen[index] === undefined);
    if (missing.length > 0) throw new ConsoleHttpError(404, `no dead letter ${missing.join(', ')}`);
    const found = chosen.filter((letter) => letter !== undefined);
    const lines: string[] = [];
    const audit = (result: 'sent' | 'refused' | 'failed', reason?: string) =>
      options.audit.record({
        at: new Date().toISOString(),
        who: options.operator,
        action: 'redrive',
        letters: ids,
        sent: lines,
        result,
        ...(reason === undefined ? {} : { reason }),
      });
    try {
      await redrive(options.kafka, found, { dryRun, log: (line) => lines.push(line) });
    } catch (error) {
      const refused = error instanceof RedriveRefusedError;
      if (!dryRun)
        await audit(refused ? 'refused' : 'failed', error instanceof Error ? error.message : String(error));
      if (refused) throw new ConsoleHttpError(409, error.message);
      throw error;
    }
    if (!dryRun) await audit('sent');
    return { dryRun, plan: lines };
  }

  function listSagas(url: URL) {
    const parameter = (name: string) => url.searchParams.get(name) || undefined;
    const choice = <T>(name: string, schema: z.ZodMiniType<T>, what: string): T | undefined => {
      const text = parameter(name);
      if (text === undefined) return undefined;
      const parsed = z.safeParse(schema, text);
      if (!parsed.success) throw new ConsoleHttpError(400, `${name}=${text} is not ${what}`);
      return parsed.data;
    };
    const minutes = choice(
      'olderThanMinutes',
      z.coerce.number().check(z.nonnegative()),
      'a number of minutes',
    );
    const cursor = parameter('cursor');
    const from = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && !from) throw new ConsoleHttpError(400, 'cursor is not one this console gave');
    const now = options.service.now();
    return sagaList(
      options.service,
      {
        state: choice('state', sagaState, 'a saga state'),
        cause: choice('cause', sagaCause, 'a saga cause'),
        startedBefore: minutes === undefined ? undefined : new Date(now - minutes * 60_000).toISOString(),
        overdueAt: url.searchParams.get('overdue') === 'true' ? now : undefined,
      },
      from,
    );
  }

  async function route(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const method = request.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) {
      // The printed address's token becomes a cookie, and leaves the address bar and history.
      response.writeHead(303, { ...SECURITY_HEADERS, location: '/', 'set-cookie': tokenCookie(token) });
      response.end();
      return;
    }
    if (method === 'GET' && url.pathname === '/api/session')
      return send(response, 200, { operator: options.operator, allowRedrive: options.allowRedrive, token });
    if (method === 'GET' && url.pathname === '/api/dead-letters') {
      return send(
        response,
        200,
        letterList(await letters(), letterQuery(url), await options.audit.redriven()),
      );
    }
    const letterPath = /^\/api\/dead-letters\/(.+)$/.exec(url.pathname);
    if (method === 'GET' && letterPath?.[1]) {
      const id = decodeURIComponent(letterPath[1]);
      const letter = await tail.letter(id);
      if (!letter) throw new ConsoleHttpError(404, `no dead letter ${id}`);
      const outbox = await options.outboxOf?.(letter);
      return send(response, 200, letterDetail(letter, outbox, await options.audit.redriven()));
    }
    if (method === 'POST' && url.pathname === '/api/redrive')
      return send(response, 200, await redriveLetters(await jsonBody(request)));
    if (method === 'GET' && url.pathname === '/api/audit')
      return send(response, 200, { entries: (await options.audit.entries()).reverse() });
    if (method === 'GET' && url.pathname === '/api/mappings')
      return send(response, 200, {
        mappings: await mappings.statuses(
          (await options.mappings?.()) ?? [],
          await letters(),
          options.service.now(),
        ),
      });
    if (method === 'GET' && url.pathname === '/api/sagas') return send(response, 200, await listSagas(url));
    const sagaPath = /^\/api\/sagas\/(.+)$/.exec(url.pathname);
    if (method === 'GET' && sagaPath?.[1]) {
      const orderId = decodeURIComponent(sagaPath[1]);
      const found = await sagaPage(options.service, orderId);
      if (!found) throw new ConsoleHttpError(404, `no saga for order ${orderId}`);
      return send(response, 200, found);
    }
    const orderPath = /^\/api\/orders\/(.+)$/.exec(url.pathname);
    if (method === 'GET' && orderPath?.[1]) {
      const orderId = decodeURIComponent(orderPath[1]);
      const version = url.searchParams.get('version');
      const asOf = version === null ? undefined : Number(version);
      if (asOf !== undefined && !(Number.isSafeInteger(asOf) && asOf > 0))
        throw new ConsoleHttpError(400, `version=${version} is not a positive integer`);
      const found = await orderPage(options.service, orderId, asOf);
      if (!found) throw new ConsoleHttpError(404, `no order ${orderId}`);
      return send(response, 200, found);
    }
    if (method === 'GET' && !url.pathname.startsWith('/api/')) return page(response, url.pathname);
    throw new ConsoleHttpError(404, `no ${method} ${url.pathname}`);
  }

  const server: Server = createServer((request, response) => {
    const refused = refusal(request, { port, token });
    if (refused) {
      send(response, refused.status, { error: refused.reason });
      return;
    }
    const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
    route(request, response, url).catch((error: unknown) => {
      if (error instanceof ConsoleHttpError) send(response, error.status, { error: error.message });
      else {
        console.error('console: request failed:', error instanceof Error ? error.message : String(error));
        send(response, 500, { error: 'internal error' });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: nothing on the network can reach a server that can publish.
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([tail.stop(), mappings.close()]);
    },
  };
}

export { TOKEN_HEADER };
