import type { Server } from 'node:http';
import { loadServerlessConfig } from '@msk-patterns/emulator';
import { containerContext } from '@msk-patterns/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { sagaStore } from '../../functions/saga/store.js';
import { startHttpServer } from '../../local/http-server.js';
import { formatSaga } from '../../local/saga-report.js';
import { chromiumForTests, seriousViolations } from '../support/browser.js';
import { consoleForTests } from '../support/console.js';
import { unique } from '../support/pipeline.js';
import { place, provider, stocked } from '../support/saga.js';
import { SagaBus } from '../support/saga-bus.js';

/**
 * A saga's and an order's pages against what the command line and the query API say of them: one
 * order, placed and confirmed through the functions in process on DynamoDB Local.
 */
const { running } = consoleForTests();
const browser = chromiumForTests();
let queryApi: { server: Server; url: string };
let orderId: string;

beforeAll(async () => {
  queryApi = await startHttpServer(loadServerlessConfig());
  const [sku = ''] = await stocked({ [unique('sku')]: 5 });
  orderId = unique('order');
  const bus = new SagaBus({ provider: provider() });
  bus.send('orders.commands', place(orderId, [{ sku, quantity: 2, unitPrice: 1250 }]));
  await bus.drain();
});
afterAll(() => queryApi?.server.close());

describe('the console’s saga and order pages', () => {
  it('shows the saga’s timeline as `npm run saga` prints it', async () => {
    // Prepare: what `npm run saga -- <orderId>` prints
    const store = sagaStore(containerContext());
    const [saga, timeline] = await Promise.all([store.get(orderId), store.timeline(orderId)]);
    if (!saga) throw new Error(`no saga for ${orderId}`);
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(running().url);

    // Act
    await page.goto(`${new URL(running().url).origin}/#/sagas/${orderId}`);

    // Assess: the same report, and one timeline row per transition
    const report = page.locator('pre');
    await expect.poll(() => report.count(), { timeout: 15_000 }).toBe(1);
    expect(await report.innerText()).toBe(formatSaga(saga, timeline));
    expect(await page.getByRole('table', { name: 'Timeline' }).locator('tbody tr').count()).toBe(
      timeline.length,
    );
    expect(await seriousViolations(page, 'saga')).toEqual([]);
    await page.close();
  });

  it('lists the saga under its state, and never one of another state', async () => {
    // Prepare: the saga completed; the table holds every other test's sagas too, in Scan order
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(running().url);
    await page.goto(`${new URL(running().url).origin}/#/sagas`);

    // Act: list the completed sagas, and follow the pages until this one is on it
    await page.getByLabel('State').selectOption('completed');
    await page.getByRole('button', { name: 'List sagas' }).click();
    const row = page.getByTestId(`saga-${orderId}`);
    const states = new Set<string>();
    for (let pages = 0; pages < 100 && (await row.count()) === 0; pages++) {
      const list = page.getByRole('table', { name: /sagas, oldest first/ });
      await expect.poll(() => list.count(), { timeout: 15_000 }).toBe(1);
      for (const state of await list.locator('tbody tr td:nth-child(2)').allInnerTexts()) states.add(state);
      if ((await row.count()) > 0) break;
      const next = page.getByRole('link', { name: 'Next page' });
      if ((await next.count()) === 0) break;
      const before = await next.getAttribute('href');
      await next.click();
      // the next page has come when its own link (or none) replaces this one's
      await expect
        .poll(
          async () =>
            (await row.count()) > 0 ||
            (await next.count()) === 0 ||
            (await next.getAttribute('href')) !== before,
          { timeout: 15_000 },
        )
        .toBe(true);
    }

    // Assess: this saga is listed, and every saga listed is completed
    expect(await row.locator('td').nth(1).innerText()).toBe('completed');
    expect([...states].filter((state) => state !== 'completed')).toEqual([]);
    expect(await seriousViolations(page, 'saga list')).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows the order at an earlier version as the query API’s history does', async () => {
    // Prepare: the query API's answer for version 1
    const history = await fetch(`${queryApi.url}/orders/${orderId}/history?version=1`);
    const { state } = z.object({ state: z.unknown() }).parse(await history.json());
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(running().url);

    // Act: from the order's page, travel back to version 1
    await page.goto(`${new URL(running().url).origin}/#/orders/${orderId}`);
    await page.getByRole('link', { name: 'State at version 1' }).click();

    // Assess
    const asOf = page.getByTestId('state-as-of');
    await expect.poll(() => asOf.count(), { timeout: 15_000 }).toBe(1);
    expect(JSON.parse(await asOf.innerText())).toEqual(state);
    expect(await page.getByRole('heading', { name: 'At version 1' }).count()).toBe(1);
    expect(await seriousViolations(page, 'order')).toEqual([]);
    await page.close();
  });
});
