// Shared fixtures. `request` talks to the REST API with the admin token that
// playwright.config.ts makes before starting the server; page navigations never carry it
// (a Bearer header would take the place of the browser's session).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';

/** The run directory playwright.config.ts made and handed down as "<pid>:<dir>". */
function runDirectory(): string {
  const dir = process.env.FLOWBOARD_E2E_DB_DIR?.replace(/^\d+:/, '');
  if (!dir) throw new Error('FLOWBOARD_E2E_DB_DIR is not set: run the tests with playwright.config.ts');
  return dir;
}

/** The admin API token's secret (`fbt_…`). */
export function apiToken(): string {
  const file = path.join(runDirectory(), 'token');
  const token = fs.readFileSync(file, 'utf8').trim();
  if (!token.startsWith('fbt_')) {
    throw new Error(`no API token in ${file}: got ${JSON.stringify(token)}`);
  }
  return token;
}

/**
 * Collects the page's uncaught errors; the returned function fails the test if there were
 * any. A hydration mismatch shows up here (the bundle panics: "unreachable") even when the
 * page still works as plain HTML forms.
 */
export function watchPageErrors(page: Page): () => void {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return () => expect(errors, `uncaught errors on ${page.url()}`).toEqual([]);
}

export const test = base.extend({
  // The default page fails its test on uncaught errors (see watchPageErrors).
  page: async ({ page }, use) => {
    const check = watchPageErrors(page);
    await use(page);
    check();
  },
  request: async ({ playwright, baseURL }, use) => {
    const request = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: { Authorization: `Bearer ${apiToken()}` },
    });
    await use(request);
    await request.dispose();
  },
});

export { expect };
