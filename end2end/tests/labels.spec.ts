// Labels (issue 34): an admin defines one on the settings page, a member puts it on a card
// from the card's page, the tile shows it, the filter finds it, and the retrospective narrows
// to it.
import { expect, test } from './fixtures';

function unique(what: string): string {
  return `${what} ${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

test('a label made in the settings goes on a card, shows on its tile and narrows the filter and the retrospective', async ({
  page,
  request,
}) => {
  const slug = `e2e-labels-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const made = await request.post('/api/v1/boards', { data: { name: 'E2E labels', slug } });
  expect(made.status(), await made.text()).toBe(201);
  const card = async (title: string) => {
    const r = await request.post(`/api/v1/boards/${slug}/cards`, { data: { title, card_type: 'feature' } });
    expect(r.status(), await r.text()).toBe(201);
    return (await r.json()) as { id: string; number: number; title: string };
  };
  const schema = await card(unique('Schema change'));
  const copy = await card(unique('Copy change'));

  // The admin defines it.
  await page.goto(`/boards/${slug}/settings`);
  const add = page.getByRole('form', { name: 'Add a label' });
  await add.getByLabel('Name').fill('database');
  await add.getByLabel('Colour').selectOption('blue');
  await add.getByRole('button', { name: 'Add label' }).click();
  const labels = page.locator('[data-section="labels"]');
  await expect(labels.locator('.label-rows .label')).toHaveText(['database']);
  // The same name in another case is refused, in words.
  await add.getByLabel('Name').fill('Database');
  await add.getByRole('button', { name: 'Add label' }).click();
  await expect(page.getByRole('alert')).toContainText('a label called "Database" already');

  // A member puts it on the card from its page.
  await page.goto(`/boards/${slug}/cards/${schema.number}`);
  await expect(page.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 30_000 });
  const toggles = page.getByRole('group', { name: 'Labels of this card' });
  await toggles.getByRole('button', { name: 'database' }).click();
  await expect(toggles.getByRole('button', { name: 'database' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('[data-section="labels"] .label-list')).toHaveText('database');
  await expect(page.locator('.history')).toContainText('labelled database');

  // Its tile shows it; the filter finds it and not the other card.
  await page.goto(`/boards/${slug}`);
  await expect(page.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 30_000 });
  const tile = page.locator('article.card', { hasText: schema.title });
  await expect(tile.locator('.tile-labels')).toHaveText('database');
  await expect(page.locator('article.card', { hasText: copy.title }).locator('.tile-labels')).toHaveCount(0);
  const field = page.getByRole('combobox', { name: 'Filter cards' });
  await field.fill('label:DATABASE');
  await page.keyboard.press('Enter');
  await expect(tile).toBeVisible();
  await expect(page.locator('article.card', { hasText: copy.title })).toHaveCount(0);

  // The retrospective narrowed to it says so.
  await page.goto(`/boards/${slug}/retro`);
  await page.getByLabel('Label').selectOption('database');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/label=database/);
  await expect(page.locator('.lead')).toContainText('labelled database');
});
