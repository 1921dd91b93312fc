import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * What makes a local web server that can publish messages safe from the pages an operator has open:
 * it listens on loopback only; it answers only requests naming itself in `Host` (a DNS-rebinding page
 * names its own host); every request carries the per-start secret (the printed URL's `token`, then an
 * HttpOnly, SameSite=Strict cookie), and a request that changes something also carries it in a header
 * and comes from the console's own `Origin` — which a cross-site form or `fetch` cannot forge.
 */

/** The cookie the printed URL's token becomes. */
export const TOKEN_COOKIE = 'console_token';
/** The header a state-changing request repeats the token in. */
export const TOKEN_HEADER = 'x-console-token';

/** A fresh per-start secret: 256 random bits. */
export function newConsoleToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares in constant time: the token is not guessable byte by byte from response times. */
export function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** Why a request is refused, with the status to answer; undefined when it may proceed. */
export interface Refusal {
  status: 401 | 403 | 421;
  reason: string;
}

/**
 * Checks one request against the rules above.
 *
 * @param request - the request
 * @param expected - the console's port and token
 */
export function refusal(
  request: IncomingMessage,
  expected: { port: number; token: string },
): Refusal | undefined {
  const hosts = [`127.0.0.1:${expected.port}`, `localhost:${expected.port}`];
  const host = request.headers.host;
  if (!host || !hosts.includes(host))
    return { status: 421, reason: `Host ${host ?? '(none)'} is not this console (${hosts.join(' or ')})` };
  const origin = request.headers.origin;
  const changes = request.method !== 'GET' && request.method !== 'HEAD';
  if (origin !== undefined && !hosts.some((allowed) => origin === `http://${allowed}`))
    return { status: 403, reason: `Origin ${origin} is not this console` };
  if (changes && origin === undefined) return { status: 403, reason: 'a change needs the console’s Origin' };
  const url = new URL(request.url ?? '/', `http://${host}`);
  const presented = url.pathname === '/' ? (url.searchParams.get('token') ?? undefined) : undefined;
  if (!sameToken(cookie(request, TOKEN_COOKIE) ?? presented, expected.token))
    return { status: 401, reason: 'no console token: open the address the console printed' };
  const header = request.headers[TOKEN_HEADER];
  if (changes && !sameToken(typeof header === 'string' ? header : undefined, expected.token))
    return { status: 403, reason: `a change needs the ${TOKEN_HEADER} header` };
  return undefined;
}

/** The headers of every answer: nothing loads from elsewhere, nothing is framed or cached. */
export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

/**
 * The cookie that replaces the printed URL's token.
 *
 * @param token - the per-start secret
 */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
