import { request as httpRequest } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type RunningConsole, TOKEN_HEADER } from '../../local/console/server.js';
import { consoleForTests, POISON_VALUE, poisonLetter } from '../support/console.js';

/**
 * The operator console's API against the broker: a poison record's letter is listed under its error,
 * its bytes shown, dry-run, redriven and audited — and nothing answers without the start's token, from
 * another origin or under another host name.
 */
const { running: current } = consoleForTests();
/** a stage's console without --allow-redrive */
const { running: readOnly } = consoleForTests({ allowRedrive: false });
let running: RunningConsole;
let cookie = '';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** A raw HTTP request, so that Host and Origin are exactly what a hostile page could send. */
function call(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port: running.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: `127.0.0.1:${running.port}`, ...options.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: text ? JSON.parse(text) : undefined,
          });
        });
      },
    );
    request.on('error', reject);
    request.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

/** The parts of the list answer this test reads. */
const listAnswer = z.object({
  letters: z.array(z.looseObject({ id: z.string(), redriven: z.boolean() })),
  groups: z.object({ error: z.record(z.string(), z.number()), function: z.record(z.string(), z.number()) }),
});

const own = () => ({ cookie, origin: `http://127.0.0.1:${running.port}`, [TOKEN_HEADER]: running.token });

beforeAll(async () => {
  running = current();
  const entry = await call(`/?token=${running.token}`);
  cookie = String(entry.headers['set-cookie']).split(';')[0] ?? '';
});

describe('the operator console, safe by default', () => {
  it('turns the printed token into an HttpOnly, SameSite=Strict cookie and drops it from the address', async () => {
    const entry = await call(`/?token=${running.token}`);
    expect(entry.status).toBe(303);
    expect(entry.headers.location).toBe('/');
    expect(String(entry.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(entry.headers['content-security-policy']).toMatch(/default-src 'self'/);
  });

  it('refuses a request without the token, from a foreign Origin, under another Host, or a change without the header', async () => {
    const noToken = await call('/api/dead-letters');
    const wrongToken = await call('/api/dead-letters', { headers: { cookie: 'console_token=guess' } });
    const foreign = await call('/api/dead-letters', {
      headers: { ...own(), origin: 'https://evil.example' },
    });
    // DNS rebinding: the page's own name resolves to 127.0.0.1, and the browser sends that name.
    const rebound = await call('/api/dead-letters', {
      headers: { ...own(), host: `evil.example:${running.port}` },
    });
    const withoutHeader = await call('/api/redrive', {
      method: 'POST',
      headers: { cookie, origin: own().origin },
      body: { ids: ['x'], dryRun: true },
    });
    const withoutOrigin = await call('/api/redrive', {
      method: 'POST',
      headers: { cookie, [TOKEN_HEADER]: running.token },
      body: { ids: ['x'], dryRun: true },
    });

    expect(
      [noToken, wrongToken, foreign, rebound, withoutHeader, withoutOrigin].map((answer) => answer.status),
    ).toEqual([401, 401, 403, 421, 403, 403]);
  });
});

describe('a read-only console (a stage’s, without --allow-redrive)', () => {
  it('says so, dry-runs, and refuses to send', async () => {
    // Prepare: this console's own token, as its printed address gives it
    const { port, token } = readOnly();
    const origin = `http://127.0.0.1:${port}`;
    const headers = { cookie: `console_token=${token}`, origin, [TOKEN_HEADER]: token };
    const redrive = (dryRun: boolean) =>
      fetch(`${origin}/api/redrive`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ ids: ['orders.commands.dlq/0/0'], dryRun, confirm: true }),
      });

    // Act
    const session = await fetch(`${origin}/api/session`, { headers });
    const [dryRun, send] = await Promise.all([redrive(true), redrive(false)]);

    // Assess: the dry run is looked at (no such letter here), the send refused before anything
    expect(await session.json()).toMatchObject({ allowRedrive: false });
    expect(dryRun.status).not.toBe(403);
    expect([send.status, await send.json()]).toEqual([
      403,
      { error: 'this console is read-only: start it with --allow-redrive to send' },
    ]);
  });
});

describe('the saga list', () => {
  it('refuses a state, cause, age or cursor it does not know, naming it', async () => {
    const answers = await Promise.all(
      [
        'state=lost',
        'cause=boredom',
        'olderThanMinutes=-1',
        'olderThanMinutes=soon',
        'cursor=eyJ4IjoxfQ',
      ].map((query) => call(`/api/sagas?${query}`, { headers: own() })),
    );

    expect(answers.map((answer) => [answer.status, answer.body])).toEqual([
      [400, { error: 'state=lost is not a saga state' }],
      [400, { error: 'cause=boredom is not a saga cause' }],
      [400, { error: 'olderThanMinutes=-1 is not a number of minutes' }],
      [400, { error: 'olderThanMinutes=soon is not a number of minutes' }],
      [400, { error: 'cursor is not one this console gave' }],
    ]);
  });
});

describe('dead letters in the console', () => {
  it('lists a poison record under its error, shows its bytes, dry-runs, redrives and audits it', async () => {
    // Prepare: a poison record on orders.commands, dead-lettered by a consumer of its own
    const { key, consumerName } = await poisonLetter();

    // Act: list by the key's text, open the letter, dry-run, send, read the audit trail
    const list = await call(`/api/dead-letters?text=${key}`, { headers: own() });
    const listed = listAnswer.parse(list.body);
    const id = listed.letters[0]?.id ?? '';
    const detail = await call(`/api/dead-letters/${encodeURIComponent(id)}`, { headers: own() });
    const dryRun = await call('/api/redrive', {
      method: 'POST',
      headers: own(),
      body: { ids: [id], dryRun: true },
    });
    const unconfirmed = await call('/api/redrive', {
      method: 'POST',
      headers: own(),
      body: { ids: [id], dryRun: false },
    });
    const sent = await call('/api/redrive', {
      method: 'POST',
      headers: own(),
      body: { ids: [id], dryRun: false, confirm: true },
    });
    const audit = await call('/api/audit', { headers: own() });
    const after = listAnswer.parse((await call(`/api/dead-letters?text=${key}`, { headers: own() })).body);

    // Assess
    expect(list.status).toBe(200);
    expect(listed.letters).toHaveLength(1);
    expect(listed.groups.error).toEqual({ ContractViolationError: 1 });
    expect(listed.groups.function).toEqual({ [consumerName]: 1 });
    expect(detail.body).toMatchObject({
      functionName: consumerName,
      origin: { topic: 'orders.commands', partition: 1 },
      record: {
        key: { text: key },
        // The BEL byte is shown, never sent to the operator's terminal or page as a control character.
        value: { text: '{"oops":"\\u0007"}', hex: Buffer.from(POISON_VALUE).toString('hex') },
      },
    });
    expect(dryRun.body).toEqual({
      dryRun: true,
      plan: [expect.stringMatching(`would redrive 1/1 ${id} → orders.commands key=${key}`)],
    });
    expect(unconfirmed.status).toBe(400);
    expect(sent.body).toEqual({
      dryRun: false,
      plan: [expect.stringMatching(`redrove 1/1 ${id} → orders.commands`)],
    });
    expect(audit.body).toMatchObject({
      entries: [{ who: 'test-operator', action: 'redrive', letters: [id], result: 'sent' }],
    });
    expect(after.letters[0]).toMatchObject({ id, redriven: true });
  });
});
