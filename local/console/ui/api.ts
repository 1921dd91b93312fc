import * as z from 'zod/mini';
import { apiError, type Session, session } from '../contracts.js';

/** The console's API, each answer parsed by its contract: a page never trusts the shape of data. */

let current: Promise<Session> | undefined;

/** This start's session (the token a change repeats in its header), asked once. */
export function sessionOf(): Promise<Session> {
  current ??= get('/api/session', session);
  return current;
}

async function answer<TSchema extends z.ZodMiniType>(
  response: Response,
  schema: TSchema,
): Promise<z.infer<TSchema>> {
  const body: unknown = await response.json();
  if (!response.ok) {
    const error = z.safeParse(apiError, body);
    throw new Error(error.success ? error.data.error : `the console answered ${response.status}`);
  }
  return z.parse(schema, body);
}

export async function get<TSchema extends z.ZodMiniType>(
  path: string,
  schema: TSchema,
): Promise<z.infer<TSchema>> {
  return answer(await fetch(path, { credentials: 'same-origin' }), schema);
}

export async function post<TSchema extends z.ZodMiniType>(
  path: string,
  body: unknown,
  schema: TSchema,
): Promise<z.infer<TSchema>> {
  const { token } = await sessionOf();
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-console-token': token },
    body: JSON.stringify(body),
  });
  return answer(response, schema);
}
