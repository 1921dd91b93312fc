import { existsSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import * as z from 'zod';

/** Debian's Chromium: Playwright's own browser download cannot run on these machines. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** `CONSOLE_SCREENSHOTS=docs/console npx vitest run test/console` refreshes the README's screenshots. */
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS;

/** A headless Chromium for the file's tests, closed when they are done. */
export function chromiumForTests(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium has not started');
    return browser;
  };
}

const axeResult = z.object({
  violations: z.array(z.object({ id: z.string(), impact: z.nullish(z.string()), help: z.string() })),
});

/**
 * axe-core's serious and critical violations on the page as it is now; every violation is printed,
 * whatever its impact, and the page is saved as a screenshot when asked (`CONSOLE_SCREENSHOTS`).
 *
 * @param page - the page, loaded
 * @param name - the page's name, for the line printed and the screenshot's file
 */
export async function seriousViolations(page: Page, name: string): Promise<string[]> {
  if (SCREENSHOTS)
    await page.screenshot({ path: join(SCREENSHOTS, `${name.replace(/ /g, '-')}.png`), fullPage: true });
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  await page.evaluate(axe.source);
  const result = axeResult.parse(await page.evaluate('axe.run(document, { resultTypes: ["violations"] })'));
  const all = result.violations.map((violation) => `${violation.impact ?? 'unknown'} ${violation.id}`);
  console.log(
    `axe-core ${axe.version} ${name} page: ${all.length} violations${all.length ? ` (${all.join(', ')})` : ''}`,
  );
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.help}`);
}
