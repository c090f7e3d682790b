// Discarding a card (issue 34): it leaves every open view of the board at once, is listed
// with the board's discarded cards, and comes back where it was when restored; a restore the
// WIP limit refuses is forced by an admin with a reason, with JavaScript or without.
import type { APIRequestContext } from '@playwright/test';
import { expect, test } from './fixtures';

interface ApiCard {
  id: string;
  number: number;
  title: string;
}

interface ApiColumn {
  id: string;
  name: string;
  kind: string;
  wip_limit: number | null;
}

function unique(what: string): string {
  return `${what} ${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

/** A board of the test's own; `limit` puts a WIP limit on In Progress. */
async function newBoard(request: APIRequestContext, limit?: number) {
  const slug = `e2e-discard-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const made = await request.post('/api/v1/boards', { data: { name: 'E2E discard', slug } });
  expect(made.status(), await made.text()).toBe(201);
  const board = await (await request.get(`/api/v1/boards/${slug}`)).json();
  const columns = board.columns as ApiColumn[];
  const inProgress = columns.find((c) => c.name === 'In Progress') as ApiColumn;
  if (limit !== undefined) {
    const specs = columns.map((c) => ({
      id: c.id,
      name: c.name,
      kind: c.kind,
      wip_limit: c.id === inProgress.id ? limit : c.wip_limit,
    }));
    const r = await request.put(`/api/v1/boards/${slug}/columns`, { data: { columns: specs } });
    expect(r.status(), await r.text()).toBe(200);
  }
  const card = async (title: string) => {
    const r = await request.post(`/api/v1/boards/${slug}/cards`, {
      data: { title: unique(title), card_type: 'feature' },
    });
    expect(r.status(), await r.text()).toBe(201);
    return (await r.json()) as ApiCard;
  };
  const move = async (c: ApiCard, column: ApiColumn) => {
    const r = await request.post(`/api/v1/cards/${c.id}/move`, { data: { column_id: column.id } });
    expect(r.status(), await r.text()).toBe(200);
  };
  return { slug, inProgress, card, move };
}

test('a discarded card leaves the board live and comes back when restored', async ({ page, browser, baseURL, request }) => {
  const { slug, card } = await newBoard(request);
  const kept = await card('Kept');
  const mistake = await card('Made by mistake');
  await page.goto(`/boards/${slug}`);
  await expect(page.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 30_000 });
  await expect(page.locator('.live-status[data-live="on"]')).toBeVisible();
  const tile = page.locator('article.card', { hasText: mistake.title });
  await expect(tile).toBeVisible();
  const backlog = page.locator('.column-head', { hasText: 'Backlog' });
  await expect(backlog.locator('.wip')).toHaveText('2');

  // Someone else discards it from its page.
  const other = await browser.newContext({ baseURL });
  try {
    const cardPage = await other.newPage();
    await cardPage.goto(`/boards/${slug}/cards/${mistake.number}`);
    await expect(cardPage.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 30_000 });
    const form = cardPage.getByRole('form', { name: 'Discard card' });
    await form.getByRole('radio', { name: 'Other:' }).check();
    await form.getByRole('textbox', { name: 'Other reason' }).fill('Opened twice by the on-call');
    await form.getByRole('button', { name: 'Discard card' }).click();
    await expect(cardPage.locator('.discarded-note')).toContainText('Opened twice by the on-call');
    await expect(cardPage.locator('.card-meta')).toContainText('discarded from Backlog');

    // Gone from the open board at once; the other card stays, and the column counts one.
    await expect(tile).toHaveCount(0);
    await expect(page.locator('article.card', { hasText: kept.title })).toBeVisible();
    await expect(backlog.locator('.wip')).toHaveText('1');

    // Listed with the board's discarded cards, and restored from there.
    await cardPage.getByRole('link', { name: 'All discarded cards' }).click();
    await expect(cardPage).toHaveURL(`/boards/${slug}/discarded`);
    const row = cardPage.locator('tr', { hasText: mistake.title });
    await expect(row).toContainText('Opened twice by the on-call');
    await expect(row).toContainText('Backlog');
    await row.getByRole('button', { name: 'Restore to Backlog' }).click();
    await expect(cardPage.locator('.notice')).toContainText(`#${mistake.number} is back on the board.`);
    await expect(cardPage.getByText('No discarded cards.')).toBeVisible();
  } finally {
    await other.close();
  }
  await expect(tile).toBeVisible();
  await expect(backlog.locator('.wip')).toHaveText('2');

  // The card's history tells both.
  const events = await (await request.get(`/api/v1/cards/${mistake.id}/events`)).json();
  const kinds = (events as { kind: { type: string } }[]).map((e) => e.kind.type);
  expect(kinds.slice(-2)).toEqual(['discarded', 'restored']);
});

test('without JavaScript, a restore into a full column is refused and an admin forces it', async ({
  browser,
  baseURL,
  request,
}) => {
  const { slug, inProgress, card, move } = await newBoard(request, 1);
  const first = await card('Started then dropped');
  await move(first, inProgress);
  const r = await request.post(`/api/v1/cards/${first.id}/discard`, { data: { reason: 'obsolete' } });
  expect(r.status(), await r.text()).toBe(200);
  // Its place is taken meanwhile: the discarded card does not count against the limit.
  const second = await card('Took its place');
  await move(second, inProgress);

  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  try {
    const page = await context.newPage();
    await page.goto(`/boards/${slug}/discarded`);
    const row = page.locator('tr', { hasText: first.title });
    await row.getByRole('button', { name: 'Restore to In Progress' }).click();
    await expect(page.getByRole('alert')).toContainText('WIP limit');
    const refused = page.locator('tr', { hasText: first.title });
    await refused.getByLabel('Reason to override the flow policy').fill('Customer asked for it back');
    await refused.getByRole('button', { name: 'Restore to In Progress anyway' }).click();
    await expect(page.locator('.notice')).toContainText(`#${first.number} is back on the board.`);
  } finally {
    await context.close();
  }
  const back = await (await request.get(`/api/v1/cards/${first.id}`)).json();
  expect(back.discarded).toBeNull();
  expect(back.column_id).toBe(inProgress.id);
  const events = await (await request.get(`/api/v1/cards/${first.id}/events`)).json();
  const last = (events as { kind: { type: string; reason?: string } }[]).slice(-2);
  expect(last.map((e) => e.kind.type)).toEqual(['restored', 'policy_overridden']);
  expect(last[1].kind.reason).toBe('Customer asked for it back');
});

test('an admin deletes a card outright: gone from the board, only its number kept', async ({ page, browser, baseURL, request }) => {
  const { slug, card } = await newBoard(request);
  const secret = await card('Customer phone 555-0100');
  await page.goto(`/boards/${slug}`);
  await expect(page.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 30_000 });
  await expect(page.locator('.live-status[data-live="on"]')).toBeVisible();
  const tile = page.locator('article.card', { hasText: secret.title });
  await expect(tile).toBeVisible();

  const other = await browser.newContext({ baseURL });
  try {
    const cardPage = await other.newPage();
    await cardPage.goto(`/boards/${slug}/cards/${secret.number}`);
    await expect(cardPage.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 30_000 });
    await cardPage.getByText('Delete permanently').click();
    const form = cardPage.getByRole('form', { name: 'Delete card permanently' });
    await form.getByRole('checkbox').check();
    await form.getByRole('button', { name: `Delete #${secret.number} permanently` }).click();
    await expect(cardPage).toHaveURL(`/boards/${slug}/discarded?deleted=${secret.number}`);
    await expect(cardPage.locator('[data-section="deleted"]')).toContainText(`#${secret.number} was deleted`);
    await expect(cardPage.locator('.deleted-cards')).toContainText(`#${secret.number} deleted by`);
    await expect(cardPage.locator('.deleted-cards')).not.toContainText('555');
  } finally {
    await other.close();
  }
  await expect(tile).toHaveCount(0);
  expect((await request.get(`/api/v1/cards/${secret.id}`)).status()).toBe(404);
  const log = await (await request.get(`/api/v1/boards/${slug}/log`)).json();
  expect(log).toHaveLength(1);
  expect(log[0].kind).toEqual({ type: 'card_deleted', number: secret.number });
});
