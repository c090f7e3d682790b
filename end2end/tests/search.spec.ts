// Finding cards (issue 34): the board's filter bar, with `/`, suggestions, hiding or
// dimming, counts that still show every card, live changes matched against the filter, and
// the same query as a plain GET form without JavaScript.
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, test } from './fixtures';

interface ApiCard {
  id: string;
  number: number;
  title: string;
}

function unique(what: string): string {
  return `${what} ${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

/** A board of the test's own with a feature, a blocked feature and a sev3 incident. */
async function boardWithCards(request: APIRequestContext) {
  const slug = `e2e-search-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const made = await request.post('/api/v1/boards', { data: { name: 'E2E search', slug } });
  expect(made.status(), await made.text()).toBe(201);
  const card = async (data: Record<string, unknown>) => {
    const r = await request.post(`/api/v1/boards/${slug}/cards`, { data: { card_type: 'feature', ...data } });
    expect(r.status(), await r.text()).toBe(201);
    return (await r.json()) as ApiCard;
  };
  const plain = await card({ title: unique('Checkout copy') });
  const blocked = await card({ title: unique('Vendor key') });
  const r = await request.patch(`/api/v1/cards/${blocked.id}`, {
    data: { blocked: true, blocked_reason: 'waiting for the vendor' },
  });
  expect(r.status()).toBe(200);
  const incident = await card({
    title: unique('Search is slow'),
    card_type: 'incident',
    severity: 'sev3',
    service: 'search',
  });
  return { slug, plain, blocked, incident };
}

const tile = (page: Page, card: ApiCard) => page.locator('article.card', { hasText: card.title });

test('the filter bar finds cards, dims or hides the others, and keeps counting every card', async ({
  page,
  request,
}) => {
  const { slug, plain, blocked, incident } = await boardWithCards(request);
  await page.goto(`/boards/${slug}`);
  await expect(page.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 30_000 });
  await expect(page.locator('.live-status[data-live="on"]')).toBeVisible();

  // `/` puts the cursor in the filter; typing a key offers its values.
  await page.locator('body').click({ position: { x: 5, y: 400 } });
  await page.keyboard.press('/');
  const field = page.getByRole('combobox', { name: 'Filter cards' });
  await expect(field).toBeFocused();
  await page.keyboard.type('blocked:y');
  await expect(page.locator('#board-q-words option')).toHaveCount(1);
  await expect(page.locator('#board-q-words option')).toHaveAttribute('value', 'blocked:yes');
  await field.fill('blocked:yes');
  await page.keyboard.press('Enter');

  // The query is in the address, the board shows what it finds, and says how many.
  await expect(page).toHaveURL(`/boards/${slug}?q=blocked%3Ayes`);
  await expect(tile(page, blocked)).toBeVisible();
  await expect(tile(page, plain)).toHaveCount(0);
  await expect(tile(page, incident)).toHaveCount(0);
  await expect(page.locator('#board-q-status')).toHaveText('1 card found');
  const backlog = page.locator('.column-head', { hasText: 'Backlog' });
  await expect(backlog.locator('.wip')).toHaveText('3');
  await expect(backlog.locator('.shown')).toHaveText('1 of 3 shown');

  // Dimmed instead of hidden: every card is there, the others greyed.
  await page.getByRole('link', { name: 'Dim the others' }).click();
  await expect(page).toHaveURL(`/boards/${slug}?q=blocked%3Ayes&dim=1`);
  await expect(tile(page, plain)).toHaveClass(/unmatched/);
  await expect(tile(page, blocked)).not.toHaveClass(/unmatched/);

  // A change made elsewhere is matched against the filter as it arrives: a new blocked
  // card shows, a new unblocked one is dimmed.
  await page.getByRole('link', { name: 'Hide the others' }).click();
  await expect(tile(page, plain)).toHaveCount(0);
  const late = await request.post(`/api/v1/boards/${slug}/cards`, {
    data: { title: unique('Late arrival'), card_type: 'feature' },
  });
  const lateCard = (await late.json()) as ApiCard;
  await request.patch(`/api/v1/cards/${lateCard.id}`, { data: { blocked: true, blocked_reason: 'too' } });
  await expect(tile(page, lateCard)).toBeVisible();
  await expect(page.locator('#board-q-status')).toHaveText('2 cards found');

  // A query that cannot be read says why and filters nothing.
  await field.fill('severity:sev9');
  await page.keyboard.press('Enter');
  await expect(page.locator('#board-q-status')).toContainText('The filter was not applied');
  await expect(page.locator('#board-q-status')).toContainText('sev1, sev2, sev3, sev4');
  await expect(tile(page, plain)).toBeVisible();

  // Words and a type; Clear shows everything again.
  await field.fill(`type:incident "${incident.title.split(' ')[0]}"`);
  await page.keyboard.press('Enter');
  await expect(tile(page, incident)).toBeVisible();
  await expect(tile(page, blocked)).toHaveCount(0);
  await page.getByRole('link', { name: 'Clear' }).click();
  await expect(page).toHaveURL(`/boards/${slug}`);
  await expect(tile(page, plain)).toBeVisible();
  await expect(page.locator('.column-head .shown')).toHaveCount(0);
});

test('the same filter works as a plain form without JavaScript', async ({ browser, baseURL, request }) => {
  const { slug, plain, incident } = await boardWithCards(request);
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  try {
    const page = await context.newPage();
    await page.goto(`/boards/${slug}`);
    await page.getByRole('combobox', { name: 'Filter cards' }).fill('type:incident service:search');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(`/boards/${slug}?q=type%3Aincident+service%3Asearch`);
    await expect(tile(page, incident)).toBeVisible();
    await expect(tile(page, plain)).toHaveCount(0);
    await expect(page.locator('#board-q-status')).toHaveText('1 card found');
  } finally {
    await context.close();
  }
});
