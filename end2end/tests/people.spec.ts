// People on the board (issue 33): owners set on the new-card form and on the card page,
// shown on the tiles, one click to "My cards", and the per-person WIP limit refusing a pull
// that an admin then overrides with a reason.
//
// Each test makes its own board in the UI, so the demo admin (the page's user) is its admin
// and a member who may own cards, and the demo board's policies stay as other tests expect.
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, test } from './fixtures';

function unique(what: string): string {
  return `${what} ${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

async function waitForHydration(page: Page): Promise<void> {
  await expect(page.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 30_000 });
}

/** Makes a board on the boards page and answers its path (`/boards/<slug>`). */
async function newBoard(page: Page): Promise<string> {
  // The boards page's form works as a plain form too, hydrated or not.
  await page.goto('/');
  await page.locator('input[name="name"]').fill(unique('E2E people'));
  await page.getByRole('button', { name: 'Create board' }).click();
  await expect(page).toHaveURL(/\/boards\/e2e-people-/);
  await waitForHydration(page);
  // Live and up to date: a board made a moment ago may be read once more as the stream
  // connects, which would close a form being filled in.
  await expect(page.locator('.live-status[data-live="on"]')).toBeVisible();
  return new URL(page.url()).pathname;
}

/** Adds a card on the board page, owned by me or by nobody. */
async function addCard(page: Page, title: string, mine: boolean): Promise<void> {
  // The form stays open after a card is added.
  const details = page.locator('details.new-card');
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) {
    await details.locator('summary').click();
  }
  const form = page.getByRole('form', { name: 'New card' });
  await form.locator('input[name="title"]').fill(title);
  await form
    .locator('select[name="assignee"]')
    .selectOption({ label: mine ? 'Demo Admin (me)' : 'Nobody yet' });
  await form.getByRole('button', { name: 'Add card' }).click();
  await expect(page.locator('article.card a.card-title', { hasText: title })).toBeVisible();
}

interface ApiCard {
  id: string;
  number: number;
  title: string;
  column_id: string;
  assignees: string[];
}

async function apiBoard(request: APIRequestContext, path: string) {
  const response = await request.get(`/api/v1${path}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as {
    columns: { id: string; name: string }[];
    cards: ApiCard[];
  };
}

test('owners are set on the new-card form and the card page, and My cards is one click', async ({
  page,
  request,
}) => {
  const path = await newBoard(page);
  const mine = unique('mine');
  const theirs = unique('nobody');
  await addCard(page, mine, true);
  await addCard(page, theirs, false);
  await page.locator('details.new-card > summary').click();

  // The tile shows its owner: initials, the name on hover and to screen readers.
  const tile = page.locator('article.card', { hasText: mine });
  await expect(tile.locator('.owners .avatar')).toHaveAttribute('title', 'Demo Admin');
  await expect(tile.locator('.owners')).toContainText('Owners: Demo Admin');
  const me = (await apiBoard(request, path)).cards.find((c) => c.title === mine)?.assignees[0];
  expect(me).toBeTruthy();

  // My cards: only the viewer's cards are shown; the same link again shows everyone's.
  await page.getByRole('link', { name: 'My cards' }).click();
  await expect(page).toHaveURL(`${path}?owner=${me}`);
  await expect(page.locator('article.card', { hasText: mine })).toBeVisible();
  await expect(page.locator('article.card', { hasText: theirs })).toBeHidden();
  await page.getByRole('link', { name: "Show everyone's cards" }).click();
  await expect(page.locator('article.card', { hasText: theirs })).toBeVisible();
  // The person's load is on their avatar: nothing in progress yet.
  await expect(page.locator('.people-bar a.person')).toContainText('0');

  // The card page: remove the owner, then assign again; each change is in the history.
  await page.locator('article.card a.card-title', { hasText: mine }).click();
  const owners = page.locator('[data-section="owners"]');
  await expect(owners.locator('.owner-name')).toHaveText(['Demo Admin']);
  await owners.getByRole('button', { name: 'Remove Demo Admin' }).click();
  await expect(owners).toContainText('Nobody owns this card yet.');
  await owners.getByRole('button', { name: 'Assign' }).click();
  await expect(owners.locator('.owner-name')).toHaveText(['Demo Admin']);
  const history = page.locator('ol.events');
  await expect(history).toContainText('unassigned Demo Admin');
  await expect(history.locator('li', { hasText: 'assigned Demo Admin' })).toHaveCount(3);
});

test("a pull over a person's WIP limit is refused, and an admin overrides it with a reason", async ({
  page,
  request,
}) => {
  const path = await newBoard(page);
  // One card in progress per person, set on the settings page.
  await page.goto(`${path}/settings`);
  await waitForHydration(page);
  const policy = page.locator('form.policy-form');
  await policy.locator('input[name="person_wip_limit"]').fill('1');
  await policy.getByRole('button', { name: 'Save policies' }).click();
  await expect(policy.locator('input[name="person_wip_limit"]')).toHaveValue('1');
  await expect
    .poll(async () => {
      const r = await request.get(`/api/v1${path}`);
      return ((await r.json()) as { policy: { person_wip_limit?: number } }).policy.person_wip_limit;
    })
    .toBe(1);

  await page.goto(path);
  await waitForHydration(page);
  await expect(page.locator('.live-status[data-live="on"]')).toBeVisible();
  const [first, second] = [unique('first'), unique('second')];
  await addCard(page, first, true);
  await addCard(page, second, true);
  await page.locator('details.new-card > summary').click();
  const board = await apiBoard(request, path);
  const column = (name: string) => board.columns.find((c) => c.name === name)?.id ?? '';
  const card = (title: string) => board.cards.find((c) => c.title === title) as ApiCard;
  // The first goes to In Progress (through the API), the second waits in Ready.
  for (const [title, to] of [
    [first, 'In Progress'],
    [second, 'Ready'],
  ]) {
    const moved = await request.post(`/api/v1/cards/${card(title).id}/move`, {
      data: { column_id: column(to) },
    });
    expect(moved.status()).toBe(200);
  }
  await page.reload();
  await waitForHydration(page);
  await expect(page.locator('.live-status[data-live="on"]')).toBeVisible();
  await expect(page.locator('.people-bar a.person.at-limit')).toContainText('1/1');

  // Pulling the second into In Progress: refused, naming the person, the limit and the card.
  const number = card(second).number;
  await page.getByRole('button', { name: `Move #${number} to In Progress` }).click();
  const toast = page.locator('.toast.error');
  await expect(toast).toContainText('The card was not moved.');
  await expect(toast).toContainText(`Demo Admin already has 1 of 1 card(s) in progress (#${card(first).number})`);
  expect((await apiBoard(request, path)).cards.find((c) => c.number === number)?.column_id).toBe(
    column('Ready'),
  );

  // The admin overrides it with a reason; the override is recorded for that person.
  await toast.locator('input[name="override_reason"]').fill('pairing to finish the release');
  await toast.getByRole('button', { name: 'Move anyway' }).click();
  await expect(toast).toHaveCount(0);
  await expect(page.locator('.people-bar a.person')).toContainText('2/1');
  const events = await (await request.get(`/api/v1/cards/${card(second).id}/events`)).json();
  const override = (events as { kind: { type: string; rule?: string; reason?: string; user_id?: string } }[])
    .map((e) => e.kind)
    .find((k) => k.type === 'policy_overridden');
  expect(override).toMatchObject({
    rule: 'person_wip_limit',
    reason: 'pairing to finish the release',
    user_id: card(first).assignees[0],
  });

  // Assigning from the board is held to the same limit: a third card already in progress,
  // owned by nobody, is refused the admin taking it (`i`), until the admin overrides.
  const third = unique('third');
  await addCard(page, third, false);
  await page.locator('details.new-card > summary').click();
  const thirdId = (await apiBoard(request, path)).cards.find((c) => c.title === third)?.id;
  expect(
    (await request.post(`/api/v1/cards/${thirdId}/move`, { data: { column_id: column('In Progress') } })).status(),
  ).toBe(200);
  const thirdTile = page.locator('article.card', { hasText: third });
  await expect(thirdTile.locator('.owners')).toHaveCount(0);
  await expect(page.locator(`.cell.lane-standard[data-column-id="${column('In Progress')}"]`)).toContainText(third);
  await thirdTile.locator('a.card-title').focus();
  await page.keyboard.press('i');
  await expect(toast).toContainText('Nobody was assigned.');
  await expect(toast).toContainText('Demo Admin already has 2 of 1 card(s) in progress');
  await toast.locator('input[name="override_reason"]').fill('the release needs it');
  await toast.getByRole('button', { name: 'Assign anyway' }).click();
  await expect(toast).toHaveCount(0);
  await expect(thirdTile.locator('.owners')).toContainText('Owners: Demo Admin');
  await expect(page.locator('.people-bar a.person')).toContainText('3/1');
});

test('people are assigned from the board: a person dropped on a card, and i for oneself', async ({
  page,
  request,
}) => {
  const path = await newBoard(page);
  const title = unique('unowned');
  await addCard(page, title, false);
  await page.locator('details.new-card > summary').click();
  const tile = page.locator('article.card', { hasText: title });
  await expect(tile.locator('.owners')).toHaveCount(0);

  // Dragging the avatar from the people row onto the tile makes the person an owner.
  await page.locator('.people-bar a.person').dragTo(tile);
  await expect(tile.locator('.owners')).toContainText('Owners: Demo Admin');
  await expect(page.locator('[role="status"]').last()).toHaveText(/Demo Admin now owns #\d+ /);
  const owners = async () =>
    (await apiBoard(request, path)).cards.find((c) => c.title === title)?.assignees.length;
  expect(await owners()).toBe(1);

  // `i` on the focused card lets go of it, and takes it again.
  await tile.locator('a.card-title').focus();
  await page.keyboard.press('i');
  await expect(tile.locator('.owners')).toHaveCount(0);
  await expect.poll(owners).toBe(0);
  await tile.locator('a.card-title').focus();
  await page.keyboard.press('i');
  await expect(tile.locator('.owners')).toContainText('Owners: Demo Admin');
  await expect.poll(owners).toBe(1);
  // Each change is an event of the card's, with its actor.
  const id = (await apiBoard(request, path)).cards.find((c) => c.title === title)?.id;
  const kinds = ((await (await request.get(`/api/v1/cards/${id}/events`)).json()) as { kind: { type: string } }[])
    .map((e) => e.kind.type)
    .filter((k) => k === 'assigned' || k === 'unassigned');
  expect(kinds).toEqual(['assigned', 'unassigned', 'assigned']);
});

test("a comment's mention reaches the person's inbox live, and their open card page shows it", async ({
  page,
  browser,
  baseURL,
}) => {
  const path = await newBoard(page);
  // A second person, a member of the board, signed in in a browser of their own.
  const id = unique('mentioned').replace(/\s/g, '-').toLowerCase();
  const email = `${id}@example.com`;
  const password = 'e2e-password-long-enough';
  await page.goto('/admin/users');
  await waitForHydration(page);
  const newUser = page.getByRole('form', { name: 'New user' });
  await newUser.locator('input[name="email"]').fill(email);
  await newUser.locator('input[name="name"]').fill(`Mira ${id}`);
  await newUser.locator('input[name="password"]').fill(password);
  await newUser.getByRole('button', { name: 'Create user' }).click();
  await expect(page.locator('.notice.success')).toContainText(email);
  await page.goto(`${path}/members`);
  await waitForHydration(page);
  const add = page.getByRole('form', { name: 'Add a member' });
  await add.locator('input[name="email"]').fill(email);
  await add.locator('select[name="role"]').selectOption('member');
  await add.getByRole('button', { name: 'Add member' }).click();
  await expect(page.locator(`tr.member-row[data-email="${email}"]`)).toBeVisible();

  await page.goto(path);
  await waitForHydration(page);
  await expect(page.locator('.live-status[data-live="on"]')).toBeVisible();
  const title = unique('talked about');
  await addCard(page, title, true);
  await page.locator('details.new-card > summary').click();
  await page.locator('article.card a.card-title', { hasText: title }).click();
  const cardUrl = page.url();

  const context = await browser.newContext({ baseURL });
  await context.addCookies([{ name: 'flowboard_demo', value: 'off', domain: '127.0.0.1', path: '/' }]);
  try {
    const mira = await context.newPage();
    await mira.goto('/login');
    await waitForHydration(mira);
    const signIn = mira.getByRole('form', { name: 'Sign in' });
    await signIn.locator('input[name="email"]').fill(email);
    await signIn.locator('input[name="password"]').fill(password);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await expect(mira.locator('.usermenu')).toContainText('Inbox');
    await expect(mira.locator('.unread-count')).toHaveCount(0);
    // Mira has the card's page open while the comment is written.
    await mira.goto(cardUrl);
    await waitForHydration(mira);
    await expect(mira.locator('.live-status[data-live="on"]')).toBeVisible();

    // Typing `@` and the start of her name offers her; Enter puts her handle in.
    const comment = page.getByRole('form', { name: 'Comment' });
    const box = comment.locator('textarea');
    await box.click();
    await box.pressSequentially('Can you look at this, @mir');
    const offered = page.getByRole('listbox', { name: 'People to mention' });
    await expect(offered.getByRole('option')).toHaveText([`@${id} Mira ${id}`]);
    await expect(box).toHaveAttribute('aria-expanded', 'true');
    await box.press('Enter');
    await expect(offered).toHaveCount(0);
    await expect(box).toHaveValue(`Can you look at this, @${id} `);
    await box.pressSequentially('<script>alert(1)</script>');
    await comment.getByRole('button', { name: 'Comment' }).click();
    const mention = page.locator('li.comment a.mention');
    await expect(mention).toHaveText(`@${id}`);
    await expect(page.locator('li.comment script')).toHaveCount(0);

    // It arrives on Mira's open page by itself, her header counts it at once, and it is in
    // her inbox.
    await expect(mira.locator('li.comment', { hasText: 'Can you look at this' })).toBeVisible();
    await expect(mira.locator('.unread-count')).toContainText('1');
    await mira.locator('.usermenu a.inbox-link').click();
    await expect(mira).toHaveURL('/inbox');
    await expect(mira.locator('.unread-count')).toContainText('1');
    const entry = mira.locator('.inbox-list li.notice.unread');
    await expect(entry).toContainText('Demo Admin mentioned you on');
    await expect(entry).toContainText(title);
    await mira.getByRole('button', { name: 'Mark all read' }).click();
    await expect(mira.locator('.inbox-list li.notice.unread')).toHaveCount(0);
    await expect(mira.locator('.unread-count')).toHaveCount(0);
    await mira.locator('.inbox-list a', { hasText: title }).click();
    await expect(mira.getByRole('heading', { level: 1, name: title })).toBeVisible();
  } finally {
    await context.close();
  }
});
