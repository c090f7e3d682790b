// The retrospective of the demo board: every chart is drawn (on the server, readable before
// and without the bundle), dots lead to their cards, and an action item becomes a tech-debt
// card with one click.
import { expect, test } from './fixtures';

const CHARTS = ['cfd', 'scatter', 'columns', 'throughput', 'aging', 'distribution'];

test('the retrospective of the demo board shows every chart with its reading', async ({ page }) => {
  await page.goto('/boards/platform');
  await page.getByRole('link', { name: 'Retrospective' }).click();
  await expect(page).toHaveURL(/\/boards\/platform\/retro$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Retrospective' })).toBeVisible();
  for (const chart of CHARTS) {
    const figure = page.locator(`figure[data-chart="${chart}"]`);
    await expect(figure, `${chart} chart`).toBeVisible();
    // A picture is an image; a chart whose dots are links (scatter, aging) is a group.
    await expect(figure.locator('svg.chart-svg[aria-label]'), `${chart} draws`).toBeVisible();
    await expect(figure.locator('.chart-reading')).not.toBeEmpty();
  }
  await expect(page.locator('figure[data-chart="scatter"] .chart-reading')).toHaveText(
    /^85% of items finished within \d+(\.\d)? days\.$/,
  );
  await expect(page.locator('figure[data-chart="columns"]')).toContainText('Bottleneck');
  // The 90-day demo finishes work every week: the scatter has dots, each naming its card.
  const dots = page.locator('figure[data-chart="scatter"] a.dot-link');
  expect(await dots.count()).toBeGreaterThan(5);
  await expect(dots.first().locator('title')).toHaveText(/^#\d+ .+\nCycle time /);
  await expect(page.locator('dl[aria-label^="Key figures"] .figure')).toHaveCount(10);
  // The demo discards three cards: counted apart, not as finished work.
  const discarded = page.locator('[data-section="discarded"] tbody tr').first();
  await expect(discarded.locator('td[data-label="Discarded"]')).toHaveText('3');
  await expect(discarded.locator('td[data-label="After commitment"]')).toHaveText('1');
  await expect(page.locator('[data-section="forecast"]')).toContainText('with 85% confidence');
  await expect(page.locator('[data-section="delivery"] .four-keys .figure')).toHaveCount(4);

  // A dot opens its card.
  const href = await dots.first().getAttribute('href');
  expect(href).toMatch(/^\/boards\/platform\/cards\/\d+$/);
  await page.goto(href!);
  await expect(page.getByText('Time in each column')).toBeVisible();
});

test('the charts are there without JavaScript too', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const page = await context.newPage();
  await page.goto('/boards/platform/retro');
  for (const chart of CHARTS) {
    await expect(page.locator(`figure[data-chart="${chart}"] svg`)).toBeVisible();
  }
  await context.close();
});

test('an action item becomes a tech-debt card with one click', async ({ page }) => {
  await page.goto('/boards/platform/retro');
  await expect(page.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 30_000 });
  const text = `E2E action ${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await page.getByPlaceholder('Automate the release notes').fill(text);
  await page.getByRole('button', { name: 'Add action item' }).click();
  const item = page.locator('.action-items li', { hasText: text });
  await expect(item).toBeVisible();
  await item.getByRole('button', { name: 'Make tech-debt card' }).click();
  const link = item.getByRole('link', { name: /^Tech-debt card #\d+$/ });
  await expect(link).toBeVisible();
  await link.click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(text);
  await expect(page.locator('main')).toContainText('Tech debt');
  await expect(page.locator('main')).toContainText('Action item from the retrospective');
});
