// Accounts and roles in a real browser: an admin makes an account and gives it a role on the
// demo board; that person signs in (in a browser that demo mode leaves alone) and sees only
// what the role allows; sign-out ends the session; a board API token works until revoked.
//
// Every test makes its own account (unique email) and its own cards, so none depends on
// another's data. Pages of the default context are the demo admin's (see playwright.config.ts).
import type { APIRequestContext, Browser, BrowserContext, Page } from '@playwright/test';
import { expect, test, watchPageErrors } from './fixtures';

const BOARD_PATH = '/boards/platform';
const PASSWORD = 'e2e-password-long-enough';

/** Something no other test (or earlier run) uses. */
function unique(what: string): string {
  return `${what}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

/**
 * Waits until the WebAssembly bundle has taken over the page: the app marks `<html
 * data-hydrated>` from an effect, and effects only run in the browser after hydration.
 */
async function waitForHydration(page: Page): Promise<void> {
  await expect(page.locator('html[data-hydrated]'), 'the page should hydrate').toHaveCount(1, {
    timeout: 30_000,
  });
}

interface Account {
  email: string;
  name: string;
}

/** Makes an account on /admin/users (as the demo admin). */
async function createUser(page: Page, what: string): Promise<Account> {
  const id = unique(what);
  const account = { email: `${id}@example.com`, name: `E2E ${id}` };
  await page.goto('/admin/users');
  await waitForHydration(page);
  const form = page.getByRole('form', { name: 'New user' });
  await form.locator('input[name="email"]').fill(account.email);
  await form.locator('input[name="name"]').fill(account.name);
  await form.locator('input[name="password"]').fill(PASSWORD);
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(page.locator('.notice.success')).toContainText(
    `Account created for ${account.email}`,
  );
  const row = page.locator(`tr.user-row[data-email="${account.email}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText(account.name);
  await expect(row).toContainText('never');
  return account;
}

/** Gives the account a role on the demo board, on its Members page (as the demo admin). */
async function setRole(page: Page, email: string, role: 'viewer' | 'member' | 'admin'): Promise<void> {
  await page.goto(`${BOARD_PATH}/members`);
  await waitForHydration(page);
  const row = page.locator(`tr.member-row[data-email="${email}"]`);
  if ((await row.count()) === 0) {
    const form = page.getByRole('form', { name: 'Add a member' });
    await form.locator('input[name="email"]').fill(email);
    await form.locator('select[name="role"]').selectOption(role);
    await form.getByRole('button', { name: 'Add member' }).click();
  } else {
    await row.locator('select[name="role"]').selectOption(role);
    await row.getByRole('button', { name: 'Change role' }).click();
  }
  await expect(row).toBeVisible();
  await expect(row.locator('select[name="role"]')).toHaveValue(role);
  await expect(page.locator('.form-error')).toHaveCount(0);
}

/** A browser context that demo mode does not sign in: it has to use the sign-in form. */
async function signedOutContext(browser: Browser, baseURL: string | undefined): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL });
  await context.addCookies([
    { name: 'flowboard_demo', value: 'off', domain: '127.0.0.1', path: '/' },
  ]);
  return context;
}

/** Opens the board without a session: the server answers with a redirect to the sign-in page. */
async function expectRedirectToLogin(page: Page): Promise<void> {
  const response = await page.goto(BOARD_PATH);
  await expect(page).toHaveURL(`/login?next=${BOARD_PATH}`);
  // A 302 from the server, not a client-side redirect after the board failed to load.
  const redirected = response?.request().redirectedFrom();
  expect(redirected?.url(), 'the board request was redirected').toContain(BOARD_PATH);
  expect((await redirected?.response())?.status()).toBe(302);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Flowboard' })).toBeVisible();
}

/**
 * Fills Review to its WIP limit and puts a new card in In Progress, next to it (through the API,
 * forcing past the flow policies with a reason), so moving that card right is refused.
 */
async function cardBeforeFullColumn(request: APIRequestContext): Promise<{ number: number }> {
  const board = await (await request.get(`/api/v1/boards/platform`)).json();
  const column = (name: string) => board.columns.find((c: { name: string }) => c.name === name);
  const review = column('Review');
  const inProgress = column('In Progress');
  const standard = board.lanes.find((l: { kind: string }) => l.kind === 'standard');
  expect(review?.wip_limit, 'Review has a WIP limit').toBeTruthy();
  const place = async (title: string, columnId: string) => {
    const made = await request.post(`/api/v1/boards/platform/cards`, {
      data: { title, card_type: 'feature' },
    });
    expect(made.status(), await made.text()).toBe(201);
    const card = await made.json();
    const moved = await request.post(`/api/v1/cards/${card.id}/move`, {
      data: { column_id: columnId, lane_id: standard.id, override_reason: 'e2e set-up' },
    });
    expect(moved.status(), await moved.text()).toBe(200);
    return card as { number: number };
  };
  const held = board.cards.filter(
    (c: { column_id: string; lane_id: string }) =>
      c.column_id === review.id && c.lane_id === standard.id,
  ).length;
  for (let i = held; i < review.wip_limit; i++) await place(`E2E ${unique('filler')}`, review.id);
  return place(`E2E ${unique('stuck')}`, inProgress.id);
}

/** Fills the sign-in form and submits it. */
async function signIn(page: Page, account: Account): Promise<void> {
  await waitForHydration(page);
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.locator('input[name="email"]').fill(account.email);
  await form.locator('input[name="password"]').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

test('an admin makes an account and gives it the viewer role on a board', async ({ page }) => {
  await page.goto('/');
  // The demo admin, signed in automatically, and told so.
  await expect(page.locator('.demo-banner')).toContainText(
    'Demo mode: you are signed in automatically as Demo Admin because Flowboard runs with --demo on this machine.',
  );
  await expect(page.locator('.usermenu')).toContainText('Demo Admin');
  await expect(page.locator('.usermenu').getByRole('link', { name: 'Users' })).toBeVisible();

  const account = await createUser(page, 'viewer');
  await setRole(page, account.email, 'viewer');
  const row = page.locator(`tr.member-row[data-email="${account.email}"]`);
  await expect(row).toContainText(account.name);

  // The list survives a reload (it is stored, not just shown).
  await page.reload();
  await expect(row.locator('select[name="role"]')).toHaveValue('viewer');
});

test('a viewer signs in, sees the board read-only, and signs out', async ({
  page,
  browser,
  baseURL,
}) => {
  const account = await createUser(page, 'viewer');
  await setRole(page, account.email, 'viewer');

  const context = await signedOutContext(browser, baseURL);
  try {
    const viewer = await context.newPage();
    const noErrors = watchPageErrors(viewer);
    await expectRedirectToLogin(viewer);
    await signIn(viewer, account);

    await expect(viewer).toHaveURL(BOARD_PATH);
    await expect(viewer.getByRole('heading', { level: 1, name: 'Platform Team' })).toBeVisible();
    await expect(viewer.locator('.usermenu')).toContainText(account.name);
    await expect(viewer.locator('.demo-banner')).toHaveCount(0);
    await expect(viewer.locator('.cell:not(.quiet) article.card').first()).toBeVisible();
    // Nothing a viewer may not do is offered.
    await expect(viewer.locator('.move-btn')).toHaveCount(0);
    await expect(viewer.locator('details.new-card')).toHaveCount(0);
    await expect(viewer.locator('article.card[draggable="true"]')).toHaveCount(0);
    await expect(viewer.getByRole('link', { name: 'Settings', exact: true })).toHaveCount(0);
    await expect(viewer.getByRole('link', { name: 'Tokens', exact: true })).toHaveCount(0);
    await expect(viewer.getByRole('link', { name: 'Members', exact: true })).toBeVisible();
    // Nor on a card's page.
    await viewer.locator('.cell:not(.quiet) article.card a.card-title').first().click();
    await expect(viewer.locator('ol.events')).toBeVisible();
    await expect(viewer.locator('form.block-form')).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: 'Save' })).toHaveCount(0);

    await viewer.getByRole('button', { name: 'Sign out' }).click();
    await expect(viewer).toHaveURL('/login?signed_out=1');
    await expect(viewer.getByText('You have signed out.')).toBeVisible();
    await expect(viewer.locator('.usermenu')).not.toContainText(account.name);
    // The session is gone on the server too.
    await expectRedirectToLogin(viewer);
    noErrors();
  } finally {
    await context.close();
  }
});

test('a person changes their password on the Account page, told when the current one is wrong', async ({
  page,
  browser,
  baseURL,
}) => {
  const account = await createUser(page, 'password');
  const context = await signedOutContext(browser, baseURL);
  try {
    const me = await context.newPage();
    await me.goto('/login');
    await signIn(me, account);
    await expect(me.locator('.usermenu')).toContainText(account.name);
    await me.goto('/account');
    await expect(me.locator('dl.facts')).toContainText(account.email);
    const form = me.getByRole('form', { name: 'Change password' });
    await form.locator('input[name="current"]').fill('not-the-password');
    await form.locator('input[name="new_password"]').fill('a-new-password-long-enough');
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect(me.locator('.form-error[role="alert"]')).toContainText(/password/i);
    await expect(me.locator('.notice.success')).toHaveCount(0);

    await form.locator('input[name="current"]').fill(PASSWORD);
    await form.locator('input[name="new_password"]').fill('a-new-password-long-enough');
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect(me.locator('.notice.success')).toHaveText('Your password has been changed.');
    await expect(me.locator('.form-error')).toHaveCount(0);
    // Still signed in, under the new session the change started.
    await me.goto(BOARD_PATH);
    await expect(me.locator('.usermenu')).toContainText(account.name);
  } finally {
    await context.close();
  }
});

test('a member adds a card that names them in its history, and is told to ask an admin to override', async ({
  page,
  browser,
  baseURL,
  request,
}) => {
  const account = await createUser(page, 'member');
  await setRole(page, account.email, 'viewer');
  await setRole(page, account.email, 'member');

  const context = await signedOutContext(browser, baseURL);
  try {
    const member = await context.newPage();
    const noErrors = watchPageErrors(member);
    await expectRedirectToLogin(member);
    await signIn(member, account);
    await expect(member).toHaveURL(BOARD_PATH);
    await expect(member.getByRole('heading', { level: 1, name: 'Platform Team' })).toBeVisible();
    await expect(member.locator('.cell:not(.quiet) .move-btn').first()).toBeVisible();
    await expect(member.getByRole('link', { name: 'Settings', exact: true })).toHaveCount(0);

    const title = `E2E ${unique('member card')}`;
    await member.locator('details.new-card > summary').click();
    const form = member.getByRole('form', { name: 'New card' });
    await form.locator('input[name="title"]').fill(title);
    await form.locator('select[name="card_type"]').selectOption('feature');
    await form.getByRole('button', { name: 'Add card' }).click();
    const link = member.locator('article.card a.card-title', { hasText: title });
    await expect(link).toBeVisible();

    await link.click();
    await expect(member.getByRole('heading', { level: 1, name: title })).toBeVisible();
    const created = member.locator('ol.events > li', { hasText: 'created in' });
    await expect(created).toHaveCount(1);
    await expect(created.locator('.actor')).toHaveText(account.name);
    // Members may edit cards.
    await expect(member.locator('form.block-form')).toBeVisible();

    // A move a flow policy refuses: members are told to ask an admin, not offered the override.
    const stuck = await cardBeforeFullColumn(request);
    await member.goto(BOARD_PATH);
    await waitForHydration(member);
    await member.getByRole('button', { name: `Move #${stuck.number} to Review` }).click();
    const toast = member.locator('.toast.error');
    await expect(toast).toContainText('The card was not moved.');
    await expect(toast).toContainText('Ask a board admin to override.');
    await expect(toast.getByRole('button', { name: 'Move anyway' })).toHaveCount(0);
    noErrors();
  } finally {
    await context.close();
  }
});

test('a board token made in the UI works with the API until it is revoked', async ({
  page,
  playwright,
  baseURL,
}) => {
  const name = unique('e2e-ci');
  await page.goto(`${BOARD_PATH}/tokens`);
  await expect(page.getByRole('heading', { level: 1, name: 'API tokens' })).toBeVisible();
  await waitForHydration(page);

  const form = page.getByRole('form', { name: 'New token' });
  await form.locator('input[name="name"]').fill(name);
  await form.locator('input[name="boards_write"]').check();
  await form.getByRole('button', { name: 'Create token' }).click();

  const secretPanel = page.getByRole('region', { name: 'New token secret' });
  await expect(secretPanel).toContainText('it will not be shown again');
  const secret = await secretPanel.locator('input.token-secret').inputValue();
  expect(secret).toMatch(/^fbt_[0-9A-Za-z]{32}$/);
  await expect(secretPanel.locator('pre.curl')).toContainText(
    `curl -H "Authorization: Bearer ${secret}" ${baseURL}/api/v1/boards/platform`,
  );

  const row = page.locator('tr.token-row', { hasText: name });
  await expect(row).toContainText('boards:write');
  await expect(row).toContainText(`${secret.slice(0, 10)}…`);
  await expect(row.locator('.status')).toHaveText('Active');

  const api = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { Authorization: `Bearer ${secret}` },
  });
  try {
    const post = () =>
      api.post(`/api/v1/boards/platform/cards`, {
        data: { title: `E2E ${unique('token card')}`, card_type: 'feature' },
      });
    const first = await post();
    expect(first.status(), await first.text()).toBe(201);

    await row.getByRole('button', { name: `Revoke ${name}` }).click();
    await expect(row.locator('.status')).toHaveText('Revoked');
    await expect(row.getByRole('button', { name: `Revoke ${name}` })).toHaveCount(0);

    const second = await post();
    expect(second.status(), await second.text()).toBe(401);
  } finally {
    await api.dispose();
  }
});
