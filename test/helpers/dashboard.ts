/**
 * The dashboard in Debian's chromium (playwright-core) for the UI tests: where chromium is, a
 * page opened on /ui/ with the admin key (or a user's) that records what must not happen (console errors, page
 * errors, failed requests, requests to another origin), and screenshots in test-artifacts/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { TEST_ADMIN_KEY } from './process.ts';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
export const NO_CHROMIUM = 'chromium is not installed: apt-get install chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

/** A dashboard page with the admin key (or `key`) entered; `problems` collects what went wrong on it. */
export async function openDashboard(
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 900 },
  key = TEST_ADMIN_KEY,
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(url)) problems.push(`other origin: ${r.url()}`);
  });
  await page.goto(`${url}/ui/`);
  await page.fill('#key', key);
  await page.dispatchEvent('#key', 'change');
  return { page, problems };
}

/** test-artifacts/dashboard-<name>.png, the whole page. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
}
