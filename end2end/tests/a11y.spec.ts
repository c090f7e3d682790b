// axe-core on the board (wide, on a phone, and with a lane opened), a card, an incident with
// what monitoring said of it, the board's settings, the retrospective and the delivery
// dashboard. Each page is checked after hydration, as people use it, against axe's
// default rules (WCAG 2.x A and AA and its best practices); any violation fails the test with
// its rule, impact and the elements it found.
import { expect, test } from './fixtures';
import type { Page } from '@playwright/test';

// The pages send a Content-Security-Policy that allows only their own scripts; axe is a
// script of the test's, so the test context bypasses the policy.
test.use({ bypassCSP: true });

/** axe's violations on the page, as lines a person can act on. */
async function violations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (c: Document, o: object) => Promise<any> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map(
      (v: { id: string; impact: string; help: string; nodes: { target: string[] }[] }) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    );
  });
  return found as string[];
}

async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 30_000 });
}

test('the board has no axe violations, wide, with a lane opened, and on a phone', async ({
  page,
}) => {
  await open(page, '/boards/platform');
  await expect(page.locator('.live-status[data-live="on"]')).toBeVisible({ timeout: 15_000 });
  expect(await violations(page)).toEqual([]);

  const expedite = await page.locator('.lane-label.lane-expedite').count();
  expect(expedite).toBe(1);
  await page.goto('/boards/platform?lane=x');
  await expect(page.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 30_000 });
  await page.locator('details.shortcuts > summary').click();
  expect(await violations(page)).toEqual([]);

  await page.setViewportSize({ width: 390, height: 844 });
  await open(page, '/boards/platform');
  expect(await violations(page)).toEqual([]);
});

test('a card page has no axe violations', async ({ page }) => {
  await open(page, '/boards/platform/cards/1');
  await expect(page.getByText('Time in each column')).toBeVisible();
  expect(await violations(page)).toEqual([]);
});

test("a discarded card's page has no axe violations", async ({ page, request }) => {
  const listed = await request.get('/api/v1/boards/platform/discarded');
  expect(listed.status()).toBe(200);
  const [card] = (await listed.json()) as { number: number }[];
  expect(card, 'the demo board has discarded cards').toBeTruthy();
  await open(page, `/boards/platform/cards/${card.number}`);
  await expect(page.locator('.discarded-note')).toBeVisible();
  expect(await violations(page)).toEqual([]);
});

test('an incident page shows what monitoring said, offers its service first, and has no axe violations', async ({
  page,
  request,
}) => {
  const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const service = `a11y-${stamp}`;
  // A deployment of another service after one of the incident's own: latest first alone
  // would put the other service's on top.
  for (const [svc, minutesAgo] of [
    [service, 50],
    [`other-${stamp}`, 20],
  ] as const) {
    const r = await request.post('/api/v1/deployments?board=platform', {
      data: {
        service: svc,
        environment: 'production',
        version: `v-${svc}`,
        deployed_at: new Date(Date.now() - minutesAgo * 60 * 1000).toISOString(),
        status: 'success',
        commits: [],
      },
    });
    expect(r.status()).toBe(201);
  }
  const link = 'https://grafana.example/d/checkout?viewPanel=4';
  const report = {
    title: `E2E a11y incident ${stamp}`,
    severity: 'sev2',
    service,
    dedup_key: `a11y-${stamp}`,
    link,
  };
  // Reported twice: the second report is a recurrence of the same open incident.
  const first = await request.post('/api/v1/incidents?board=platform', { data: report });
  expect(first.status()).toBe(201);
  const again = await request.post('/api/v1/incidents?board=platform', { data: report });
  expect(again.ok()).toBeTruthy();
  const card = (await first.json()) as { number: number };

  await open(page, `/boards/platform/cards/${card.number}`);
  const facts = page.locator('[data-section="monitoring"]');
  await expect(facts.locator('[data-fact="occurrences"]')).toHaveText('2');
  await expect(facts.locator('[data-fact="state"]')).toHaveText('firing');
  await expect(facts.locator('[data-fact="last-seen"]')).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  await expect(facts.getByRole('link', { name: link })).toHaveAttribute('href', link);
  // The incident's own service's deployments come first, in a group of their own.
  const options = page.locator('[data-section="cause"] select[name="deployment_id"] option');
  await expect(options.nth(1)).toHaveText(new RegExp(`^${service} v-${service} · `));
  await expect(
    page.locator('[data-section="cause"] optgroup').first(),
  ).toHaveAttribute('label', `${service} (this incident's service)`);

  expect(await violations(page)).toEqual([]);
});

test('an incident link that is not a web page is refused', async ({ request }) => {
  // The API takes only http(s) links; the card page also shows any other stored link as
  // text, never as an href (components::format::web_link, unit-tested).
  const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const r = await request.post('/api/v1/incidents?board=platform', {
    data: {
      title: `E2E odd link ${stamp}`,
      severity: 'sev3',
      dedup_key: `odd-${stamp}`,
      link: 'javascript:alert(1)',
    },
  });
  expect(r.status()).toBeGreaterThanOrEqual(400);
  expect(r.status()).toBeLessThan(500);
});

for (const [name, path] of [
  ['the board settings', '/boards/platform/settings'],
  ['the retrospective', '/boards/platform/retro'],
  ['the delivery dashboard', '/boards/platform/delivery'],
  ['the inbox', '/inbox'],
  ['the members page', '/boards/platform/members'],
  ['the users page', '/admin/users'],
  ['the account page', '/account'],
  ['the finished cards', '/boards/platform/finished'],
  ['a filtered board, the others dimmed', '/boards/platform?q=is%3Ablocked&dim=1'],
  ['a board whose filter cannot be read', '/boards/platform?q=severity%3Asev9'],
  ['filtered finished cards', '/boards/platform/finished?q=type%3Aincident'],
  ['the discarded cards', '/boards/platform/discarded'],
] as const) {
  test(`${name} has no axe violations`, async ({ page }) => {
    await open(page, path);
    expect(await violations(page)).toEqual([]);
  });
}

test('chart text stays at least 11 px on a phone, and table cells keep their column names', async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, baseURL });
  const page = await context.newPage();
  for (const path of ['/boards/platform/retro', '/boards/platform/delivery']) {
    await page.goto(path);
    // A label's size on screen: its font size in viewBox units times the SVG's scale.
    const smallest = await page.evaluate(() => {
      const sizes = [...document.querySelectorAll('svg.chart-svg text')].map((t) => {
        const svg = (t as SVGTextElement).ownerSVGElement!;
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return parseFloat(getComputedStyle(t).fontSize) * scale;
      });
      return sizes.length ? Math.min(...sizes) : null;
    });
    if (path.endsWith('retro')) {
      expect(smallest, 'the smallest chart text on a 390 px screen').not.toBeNull();
      expect(smallest!).toBeGreaterThanOrEqual(11);
    }
    const unlabelled = await page.locator('.data-table tbody td:not([data-label])').count();
    expect(unlabelled, `cells without data-label on ${path}`).toBe(0);
  }
  await context.close();
});
