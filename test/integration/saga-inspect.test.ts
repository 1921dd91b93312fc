import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import { promisify } from 'node:util';
import { loadServerlessConfig } from '@msk-patterns/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../local/http-server.js';
import { unique } from '../support/pipeline.js';
import { place, provider, stocked } from '../support/saga.js';
import { SagaBus } from '../support/saga-bus.js';

describe('inspecting a saga', () => {
  // One saga, cancelled for lack of stock, that both ways of inspecting it show.
  let orderId: string;
  let sku: string;
  let server: Server | undefined;

  beforeAll(async () => {
    const ledger = provider();
    [sku = ''] = await stocked({ [unique('sku')]: 0 });
    orderId = unique('order');
    const bus = new SagaBus({ provider: ledger });
    bus.send('orders.commands', place(orderId, [{ sku, quantity: 1, unitPrice: 100 }]));
    await bus.drain();
  });
  afterAll(() => server?.close());

  it('GET /sagas/{orderId} returns the state, why, and the timeline; 404 and 400 are JSON', async () => {
    // Prepare
    const http = await startHttpServer(loadServerlessConfig());
    server = http.server;

    // Act
    const found = await fetch(`${http.url}/sagas/${orderId}`);
    const missing = await fetch(`${http.url}/sagas/${unique('order')}`);
    const invalid = await fetch(`${http.url}/sagas/not%20valid`);

    // Assess
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({
      orderId,
      state: 'cancelled',
      cause: 'out-of-stock',
      outcome: `stock rejected: out of stock (${sku}: 1 wanted, 0 available)`,
      timeline: [
        {
          version: 1,
          from: 'none',
          to: 'reserving',
          sent: ['ReserveStock'],
          trigger: { type: 'OrderPlaced' },
        },
        { version: 2, from: 'reserving', to: 'compensating', sent: ['CancelOrder'] },
        { version: 3, from: 'compensating', to: 'cancelled', sent: [], trigger: { type: 'OrderCancelled' } },
      ],
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: expect.stringMatching(/^no saga for order /) });
    expect(invalid.status).toBe(400);
  });

  it('`npm run saga -- <orderId>` prints the same story; an unknown order exits 1, no order id exits 2', async () => {
    const cli = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'local/saga.ts', ...args], {
        env: { ...process.env },
      }).then(
        (result) => ({ code: 0, ...result }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );

    const shown = await cli([orderId]);
    const unknown = await cli([unique('order')]);
    const usage = await cli([]);

    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(
      new RegExp(`^saga ${orderId}: cancelled \\(out-of-stock\\) — stock rejected`),
    );
    expect(shown.stdout).toMatch(
      /v3 \S+ compensating → cancelled on OrderCancelled: OrderCancelled; compensation complete/,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^no saga for order /);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^usage: npm run saga -- <orderId>/);
  }, 30_000);
});
