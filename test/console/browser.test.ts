import { describe, expect, it } from 'vitest';
import { chromiumForTests, seriousViolations } from '../support/browser.js';
import { consoleForTests, POISON_VALUE, poisonLetter } from '../support/console.js';

/**
 * The console's pages in a real Chromium (Debian's: Playwright's own download cannot run here), headless,
 * against a console on the test broker: what an operator sees and does, and what axe-core finds.
 */
const { running } = consoleForTests();
const browser = chromiumForTests();

describe('the console in a browser', () => {
  it('shows a poison message under its error, its bytes, a dry run, the redrive and its audit — each page without a serious accessibility violation', async () => {
    // Prepare: a poison message dead-lettered; the operator opens the printed address
    const { key, consumerName } = await poisonLetter();
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(running().url);

    // Act / Assess: the list, filtered by the key, groups it under its error
    await page.goto(`${new URL(running().url).origin}/#/dead-letters?text=${key}`);
    const row = page.getByRole('row').filter({ hasText: key });
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await expect
      .poll(() => page.getByRole('table', { name: 'By error class' }).innerText())
      .toContain('ContractViolationError');
    expect(await page.getByRole('table', { name: 'By function' }).innerText()).toContain(consumerName);
    const listProblems = await seriousViolations(page, 'dead letters');

    // …its page shows where it came from and its bytes, as text and as hex
    await row.getByRole('link').click();
    await expect
      .poll(() => page.locator('main').innerText(), { timeout: 15_000 })
      .toContain('orders.commands, partition 1');
    expect(await page.locator('main').innerText()).toContain('{"oops":"\\u0007"}');
    await page.getByLabel('Show bytes as').selectOption('hex');
    expect(await page.locator('main').innerText()).toContain(Buffer.from(POISON_VALUE).toString('hex'));
    const letterProblems = await seriousViolations(page, 'letter');

    // …a dry run lists exactly it, and the confirmed send redrives it
    await page.getByRole('button', { name: 'Dry run: this letter' }).click();
    const wouldSend = page.getByRole('listitem').filter({ hasText: 'would redrive 1/1' });
    await expect.poll(() => wouldSend.innerText()).toContain(`→ orders.commands key=${key}`);
    await page.getByRole('button', { name: 'Confirm and send 1' }).click();
    await expect
      .poll(() => page.getByRole('listitem').filter({ hasText: 'redrove 1/1' }).innerText())
      .toContain(`key=${key}`);

    // …and the audit trail shows who redrove it
    await page.getByRole('link', { name: 'Audit trail' }).click();
    const entry = page.getByRole('row').filter({ hasText: key });
    await expect.poll(() => entry.innerText()).toContain('test-operator');
    expect(await entry.innerText()).toContain('sent');
    const auditProblems = await seriousViolations(page, 'audit trail');

    expect({ list: listProblems, letter: letterProblems, audit: auditProblems }).toEqual({
      list: [],
      letter: [],
      audit: [],
    });
    await page.close();
  });

  it('shows nothing to a browser without the token', async () => {
    const page = await browser().newPage();
    const response = await page.goto(`${new URL(running().url).origin}/`);
    expect(response?.status()).toBe(401);
    expect(await page.content()).not.toContain('Operator console');
    await page.close();
  });
});
