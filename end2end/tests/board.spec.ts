// The board in a real browser: reading it, making cards, moving them by drag and drop and by
// keyboard, the card history page, the no-JavaScript rendering, and a refused form.
//
// All tests share one server and one database (see playwright.config.ts), so they run one at a
// time, make their own cards with unique titles, and never depend on each other's cards. Pages
// are signed in as the demo admin; `request` uses the run's admin API token (fixtures.ts).
import type { APIRequestContext, Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

const SLUG = 'platform';
const BOARD_PATH = `/boards/${SLUG}`;
const COLUMN_NAMES = ['Backlog', 'Ready', 'In Progress', 'Review', 'Done'];
const LANE_NAMES = ['Expedite', 'Standard'];

interface ApiColumn {
  id: string;
  name: string;
  kind: string;
  wip_limit: number | null;
  position: number;
}

interface ApiLane {
  id: string;
  name: string;
  kind: string;
}

interface ApiCard {
  id: string;
  number: number;
  title: string;
  column_id: string;
  lane_id: string;
  card_type: string;
}

/** The board's flow policies (absent from servers that do not enforce them). */
interface ApiPolicy {
  committed_capacity: number | null;
  tech_debt_share: number;
  expedite_limit: number | null;
  expedite_counts_toward_wip: boolean;
}

interface ApiBoard {
  id: string;
  slug: string;
  columns: ApiColumn[];
  lanes: ApiLane[];
  cards: ApiCard[];
  policy?: ApiPolicy;
}

/** A title no other test (or earlier run against the same database) uses. */
function uniqueTitle(what: string): string {
  return `E2E ${what} ${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

/** The board as the REST API reports it. */
async function apiBoard(request: APIRequestContext): Promise<ApiBoard> {
  const response = await request.get(`/api/v1/boards/${SLUG}`);
  expect(response.status(), 'GET /api/v1/boards/platform').toBe(200);
  return (await response.json()) as ApiBoard;
}

/** One card as the REST API reports it, looked up through the board (by id). */
async function apiCard(request: APIRequestContext, id: string): Promise<ApiCard> {
  const card = (await apiBoard(request)).cards.find((c) => c.id === id);
  expect(card, `card ${id} in the API's board`).toBeTruthy();
  return card as ApiCard;
}

function columnId(board: ApiBoard, name: string): string {
  const column = board.columns.find((c) => c.name === name);
  expect(column, `column ${name}`).toBeTruthy();
  return (column as ApiColumn).id;
}

function laneId(board: ApiBoard, name: string): string {
  const lane = board.lanes.find((l) => l.name === name);
  expect(lane, `lane ${name}`).toBeTruthy();
  return (lane as ApiLane).id;
}

/** Makes a feature card through the REST API; it lands in Backlog, Standard lane. */
async function apiCreateCard(request: APIRequestContext, title: string): Promise<ApiCard> {
  const response = await request.post(`/api/v1/boards/${SLUG}/cards`, {
    data: { title, card_type: 'feature' },
  });
  expect(response.status(), `POST card: ${await response.text()}`).toBe(201);
  return (await response.json()) as ApiCard;
}

/** A new board of the caller's own (default columns and lanes), for a test that needs a
 * board no other test changes. */
async function apiNewBoard(request: APIRequestContext, what: string): Promise<ApiBoard> {
  const slug = `e2e-${what}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const made = await request.post('/api/v1/boards', { data: { name: `E2E ${what}`, slug } });
  expect(made.status(), `POST board: ${await made.text()}`).toBe(201);
  const board = await request.get(`/api/v1/boards/${slug}`);
  return (await board.json()) as ApiBoard;
}

/** Makes a card on board `slug` where the test says. */
async function apiCardOn(
  request: APIRequestContext,
  slug: string,
  data: Record<string, unknown>,
): Promise<ApiCard> {
  const response = await request.post(`/api/v1/boards/${slug}/cards`, {
    data: { card_type: 'feature', ...data },
  });
  expect(response.status(), `POST card: ${await response.text()}`).toBe(201);
  return (await response.json()) as ApiCard;
}

/** Moves a card through the REST API (no override). */
async function apiMoveCard(
  request: APIRequestContext,
  id: string,
  column: string,
  lane: string,
): Promise<void> {
  const response = await request.post(`/api/v1/cards/${id}/move`, {
    data: { column_id: column, lane_id: lane },
  });
  expect(response.status(), `move card ${id}: ${await response.text()}`).toBe(200);
}

/**
 * Makes sure the flow policies let `mover` into the Standard lane of column `name`, by moving
 * other cards out of the way (to the Standard lane of the Done column, which has no limit).
 *
 * The server refuses a move into a column at its WIP limit (and, when the board sets one, past
 * the committed capacity of the active columns or the share reserved for tech debt). The demo
 * board starts with Ready and In Progress exactly at their limits, and earlier tests add cards,
 * so a test that moves a card into a limited column first frees a slot, the way a team would
 * finish a card before pulling the next. This mirrors the server's rules in
 * app/domain/src/policy.rs (`check_placement`) for a card coming from another column.
 */
async function makeRoom(
  request: APIRequestContext,
  name: string,
  mover: { id: string; card_type: string },
): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const board = await apiBoard(request);
    const target = board.columns.find((c) => c.name === name) as ApiColumn;
    const done = board.columns.find((c) => c.kind === 'done') as ApiColumn;
    const standard = board.lanes.find((l) => l.kind === 'standard') as ApiLane;
    expect(target && done && standard, `columns ${name} and Done, lane Standard`).toBeTruthy();
    const policy = board.policy;
    const laneKind = (id: string) => board.lanes.find((l) => l.id === id)?.kind;
    const countsToWip = (c: ApiCard) =>
      laneKind(c.lane_id) === 'standard' || policy?.expedite_counts_toward_wip === true;
    const others = board.cards.filter((c) => c.id !== mover.id);

    let blocker: ApiCard | undefined;
    if (target.wip_limit != null) {
      const counted = others.filter((c) => c.column_id === target.id && countsToWip(c));
      if (counted.length >= target.wip_limit) blocker = counted[0];
    }
    const capacity = policy?.committed_capacity;
    if (!blocker && target.kind === 'active' && capacity != null) {
      const active = new Set(board.columns.filter((c) => c.kind === 'active').map((c) => c.id));
      const committed = others.filter(
        (c) => active.has(c.column_id) && laneKind(c.lane_id) === 'standard',
      );
      const nonDebt = committed.filter((c) => c.card_type !== 'tech_debt');
      const reserved = Math.min(
        capacity,
        Math.max(0, Math.ceil((policy?.tech_debt_share ?? 0) * capacity - 1e-9)),
      );
      if (committed.length >= capacity) {
        blocker = mover.card_type === 'tech_debt' ? committed[0] : (nonDebt[0] ?? committed[0]);
      } else if (mover.card_type !== 'tech_debt' && nonDebt.length >= capacity - reserved) {
        blocker = nonDebt[0];
      }
    }
    if (!blocker) return;
    await apiMoveCard(request, blocker.id, done.id, standard.id);
  }
  throw new Error(`could not make room in ${name}`);
}

/** The grid cell for a column and lane. */
function cell(page: Page, column: string, lane: string): Locator {
  return page.locator(`.cell[data-column-id="${column}"][data-lane-id="${lane}"]`);
}

/** A card tile by id. */
function cardTile(scope: Page | Locator, id: string): Locator {
  return scope.locator(`article.card[data-card-id="${id}"]`);
}

/** The `data-column-id` of the cell a card tile sits in, read from the DOM. */
async function cellColumnOf(page: Page, id: string): Promise<string | null> {
  return cardTile(page, id).evaluate(
    (el) => el.closest('.cell')?.getAttribute('data-column-id') ?? null,
  );
}

/**
 * Waits until the WebAssembly bundle has hydrated the board, i.e. the page's own event
 * handlers are attached to the server-rendered DOM.
 *
 * Neither the load event nor network idle says that: the bundle is fetched and instantiated,
 * then `hydrate()` walks the DOM, and the board's `<Transition>` content hydrates after its
 * serialized resource resolves, a few ticks later. So this asks the DOM directly: it fires a
 * synthetic, cancelable `dragover` at a card tile. Server-rendered HTML has no listener for it;
 * the hydrated cell's `on:dragover` (tiles' events are handled by their cell) calls
 * `preventDefault()`, so `dispatchEvent` returns false. A `dragleave` follows to clear the
 * cell's drop highlight the `dragover` switched on, so the probe leaves nothing behind and
 * changes nothing on the server. Every cell and form of the board is hydrated in the same
 * synchronous pass, so one tile answering means all of them are live.
 *
 * Then it waits for the live status to say `on`: connected, and the board shown is the latest.
 * A board changed just before the page was read (as these tests do through the API) is read
 * again once the live stream connects, and that redraw would take the focus or a drag away
 * from a test that had already started.
 */
async function waitForHydration(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const tile = document.querySelector('article.card');
          if (!tile) return false;
          const handled = !tile.dispatchEvent(
            new DragEvent('dragover', { bubbles: true, cancelable: true }),
          );
          tile.dispatchEvent(new DragEvent('dragleave', { bubbles: true }));
          return handled;
        }),
      { message: 'the board should hydrate (card tiles get their drag handlers)', timeout: 30_000 },
    )
    .toBe(true);
  await waitForLiveBoard(page);
}

/** Waits until the board is live and shows every change its live stream has announced. */
async function waitForLiveBoard(page: Page): Promise<void> {
  await expect(page.locator('.live-status'), 'the board should be live and up to date').toHaveAttribute(
    'data-live',
    'on',
    { timeout: 15_000 },
  );
}

/**
 * Makes the viewport as tall as the page, so a drag's source and target are both on screen.
 *
 * Playwright's `dragTo` scrolls the target into view in the middle of the drag, and Chromium
 * drops a native drag whose pointer scrolled away from the source: no `dragstart` fires and
 * nothing moves (a person's browser would auto-scroll at the edge instead). On the board a new
 * card sits at the end of the Backlog cell, and the target cell's centre can be far below or
 * beside it, so rather than depend on the layout the whole page is put in view (the board,
 * which scrolls inside the window's height, grows with it).
 */
async function fitViewportToPage(page: Page): Promise<void> {
  const size = page.viewportSize() ?? { width: 1280, height: 720 };
  // The board scrolls inside the window's height: its grid's full height counts too.
  const height = await page.evaluate(() => {
    const grid = document.querySelector('.board-grid');
    const below = grid ? Math.ceil(grid.getBoundingClientRect().top) + grid.scrollHeight + 200 : 0;
    return Math.max(document.documentElement.scrollHeight, below);
  });
  const tall = Math.min(Math.max(height, size.height) + 40, 16_000);
  await page.setViewportSize({ width: size.width, height: tall });
  await page.evaluate(() => window.scrollTo(0, 0));
}

/** Marks the current document, to show later that no full page load replaced it. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __e2eSameDocument: boolean }).__e2eSameDocument = true;
  });
}

async function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(
    () => (window as unknown as { __e2eSameDocument?: boolean }).__e2eSameDocument === true,
  );
}

test('the demo board opens with its columns, lanes, cards and counts', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: /Platform Team/ }).click();
  await expect(page).toHaveURL(new RegExp(`${BOARD_PATH}$`));

  await expect(page).toHaveTitle(/Platform Team/);
  await expect(page.getByRole('heading', { level: 1, name: 'Platform Team' })).toBeVisible();

  const heads = page.locator('.column-head');
  await expect(heads).toHaveCount(5);
  await expect(heads.locator('.column-name')).toHaveText(COLUMN_NAMES);
  for (const head of await heads.all()) {
    await expect(head).toHaveAttribute('data-column-id', /\S/);
    // "3 / 4", "6 / 6 at limit", or a plain total for a column without a limit.
    await expect(head.locator('.wip')).toHaveText(/^\d+( \/ \d+)?/);
  }

  await expect(page.locator('.lane-label .lane-name')).toHaveText(LANE_NAMES);
  await expect(page.locator('.cell')).toHaveCount(COLUMN_NAMES.length * LANE_NAMES.length);

  // A lane without open cards (the demo's Expedite) is a thin strip: its finished cards are
  // not drawn until it is opened.
  const cards = page.locator('article.card');
  await expect(page.locator('.cell:not(.quiet) article.card').first()).toBeVisible();
  const visible = await cards.evaluateAll(
    (els) => els.filter((el) => (el as HTMLElement).offsetParent !== null).length,
  );
  expect(visible).toBeGreaterThanOrEqual(10);

});

test('a card made with the form can be dragged to In Progress and stays there', async ({
  page,
  request,
}) => {
  const board = await apiBoard(request);
  const backlog = columnId(board, 'Backlog');
  const inProgress = columnId(board, 'In Progress');
  const standard = laneId(board, 'Standard');
  const title = uniqueTitle('drag');
  // In Progress starts at its WIP limit: free a slot for the new card first.
  await makeRoom(request, 'In Progress', { id: '', card_type: 'feature' });

  await page.goto(BOARD_PATH);
  await waitForHydration(page);

  await page.locator('details.new-card > summary').click();
  const form = page.getByRole('form', { name: 'New card' });
  await form.locator('input[name="title"]').fill(title);
  await form.locator('select[name="card_type"]').selectOption('feature');
  await form.locator('select[name="column_id"]').selectOption({ label: 'Backlog' });
  await markDocument(page);
  await form.getByRole('button', { name: 'Add card' }).click();

  const tile = cell(page, backlog, standard).locator('article.card', {
    has: page.locator('a.card-title', { hasText: title }),
  });
  await expect(tile).toBeVisible();
  // Made by the hydrated form (a server function call), not a full form post and reload.
  expect(await sameDocument(page)).toBe(true);
  // The live stream announces the new card too, and the board is read once more: a drag
  // started before that redraw would be dropped with the old tiles.
  await waitForLiveBoard(page);
  const id = (await tile.getAttribute('data-card-id')) as string;
  expect(id).toBeTruthy();

  const target = cell(page, inProgress, standard);
  await fitViewportToPage(page);
  await markDocument(page);
  await cardTile(page, id).dragTo(target);
  await expect(cardTile(target, id)).toBeVisible();
  expect(await sameDocument(page)).toBe(true);

  await page.reload();
  await expect(cardTile(page, id)).toBeVisible();
  expect(await cellColumnOf(page, id)).toBe(inProgress);
  await expect(cardTile(cell(page, inProgress, standard), id)).toBeVisible();

  const stored = await apiCard(request, id);
  expect(stored.title).toBe(title);
  expect(stored.column_id).toBe(inProgress);
  expect(stored.lane_id).toBe(standard);
});

test('a card moves one column right from the keyboard and stays there', async ({
  page,
  request,
}) => {
  const board = await apiBoard(request);
  const backlog = columnId(board, 'Backlog');
  const ready = columnId(board, 'Ready');
  const standard = laneId(board, 'Standard');
  const card = await apiCreateCard(request, uniqueTitle('keyboard'));
  expect(card.column_id).toBe(backlog);
  await makeRoom(request, 'Ready', card);

  await page.goto(BOARD_PATH);
  await waitForHydration(page);
  await expect(cardTile(cell(page, backlog, standard), card.id)).toBeVisible();

  const button = page.getByRole('button', { name: `Move #${card.number} to Ready` });
  await expect(button).toHaveClass(/move-right/);
  await button.focus();
  await expect(button).toBeFocused();
  await markDocument(page);
  await page.keyboard.press('Enter');

  await expect(cardTile(cell(page, ready, standard), card.id)).toBeVisible();
  // The hydrated board moved it in place; the no-JS form post would have loaded a new page.
  expect(await sameDocument(page)).toBe(true);
  // The focus stays with the card, on the same button of its tile in the new column, so
  // Enter again moves it on.
  await expect(
    page.getByRole('button', { name: `Move #${card.number} to In Progress` }),
  ).toBeFocused();

  await page.reload();
  await expect(cardTile(page, card.id)).toBeVisible();
  expect(await cellColumnOf(page, card.id)).toBe(ready);
  expect((await apiCard(request, card.id)).column_id).toBe(ready);
});

test("a card's detail page shows its history", async ({ page, request }) => {
  const title = uniqueTitle('detail');
  const card = await apiCreateCard(request, title);

  await page.goto(BOARD_PATH);
  await cardTile(page, card.id).locator('a.card-title').click();

  await expect(page).toHaveURL(new RegExp(`${BOARD_PATH}/cards/${card.number}$`));
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();

  const visits = page.locator('table.visits tbody tr');
  await expect(visits.first()).toBeVisible();
  expect(await visits.count()).toBeGreaterThanOrEqual(1);
  await expect(visits.first()).toContainText('Backlog');
  await expect(visits.first()).toContainText('still here');

  await expect(page.locator('ol.events > li').first()).toBeVisible();
  await expect(page.locator('ol.events')).toContainText('created');
});

test.describe('without JavaScript', () => {
  test('the board is readable', async ({ browser, baseURL }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
    try {
      const page = await context.newPage();
      const response = await page.goto(BOARD_PATH);
      expect(response?.status()).toBe(200);
      await expect(page.getByRole('heading', { level: 1, name: 'Platform Team' })).toBeVisible();
      await expect(page.locator('.column-head .column-name')).toHaveText(COLUMN_NAMES);
      await expect(page.locator('.lane-label .lane-name')).toHaveText(LANE_NAMES);
      expect(await page.locator('article.card a.card-title').count()).toBeGreaterThanOrEqual(10);
      await expect(page.locator('.cell:not(.quiet) article.card').first()).toBeVisible();
    } finally {
      await context.close();
    }
  });

  // Not in the original list: the ◀ ▶ buttons are plain forms, and the board says they work
  // before (or without) the WebAssembly bundle.
  test('the ▶ button still moves a card, as a plain form post', async ({
    browser,
    baseURL,
    request,
  }) => {
    const board = await apiBoard(request);
    const ready = columnId(board, 'Ready');
    const card = await apiCreateCard(request, uniqueTitle('no-js move'));
    await makeRoom(request, 'Ready', card);
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
    try {
      const page = await context.newPage();
      await page.goto(BOARD_PATH);
      await page.getByRole('button', { name: `Move #${card.number} to Ready` }).click();
      // The server redirects back to the board at the card (`#card-<number>`), its new cell
      // opened (a long cell shows only its first cards): the page comes back at the card, not
      // at its top. A refused move would add `__err=` to the query.
      await expect(page).toHaveURL(
        new RegExp(`${BOARD_PATH}\\?open=${ready}:[0-9a-f-]+#card-${card.number}$`),
      );
      expect(page.url()).not.toContain('__err=');
      await expect(cardTile(page, card.id)).toBeVisible();
      expect(await cellColumnOf(page, card.id)).toBe(ready);
      expect((await apiCard(request, card.id)).column_id).toBe(ready);
    } finally {
      await context.close();
    }
  });

  test('a refused move shows its reason and the override form, and the override moves it', async ({
    browser,
    baseURL,
    request,
    page: scripted,
  }) => {
    // A board of its own, Ready limited to one card and holding one.
    const board = await apiNewBoard(request, 'nojs-refusal');
    const columns = board.columns.map((c) => ({
      id: c.id,
      name: c.name,
      kind: c.kind,
      wip_limit: c.name === 'Ready' ? 1 : null,
    }));
    const put = await request.put(`/api/v1/boards/${board.slug}/columns`, { data: { columns } });
    expect(put.status(), `PUT columns: ${await put.text()}`).toBe(200);
    const ready = columnId(board, 'Ready');
    const standard = laneId(board, 'Standard');
    const holder = await apiCardOn(request, board.slug, { title: uniqueTitle('holder') });
    await apiMoveCard(request, holder.id, ready, standard);
    const card = await apiCardOn(request, board.slug, { title: uniqueTitle('refused no-js') });
    let refusedUrl = '';

    const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
    try {
      const page = await context.newPage();
      await page.goto(`/boards/${board.slug}`);
      await page.getByRole('button', { name: `Move #${card.number} to Ready` }).click();
      // An HTML page, the board, with the reason in an alert: not a JSON answer.
      const toast = page.locator('.toast.error[role="alert"]');
      await expect(toast).toContainText('The card was not moved.');
      await expect(toast).toContainText('Ready is at its WIP limit');
      await expect(page.getByRole('heading', { level: 1 })).toContainText('E2E nojs-refusal');
      const refusedAt = new URL(page.url());
      expect(refusedAt.searchParams.get('refused_move')).toContain(card.id);
      refusedUrl = page.url();
      // The card stayed in Backlog.
      const stored = await request.get(`/api/v1/boards/${board.slug}`);
      const still = ((await stored.json()) as ApiBoard).cards.find((c) => c.id === card.id);
      expect(still?.column_id).toBe(columnId(board, 'Backlog'));

      const override = toast.getByRole('form', { name: 'Override the policy' });
      await override.getByLabel('Reason to override').fill('Customer escalation, agreed');
      await override.getByRole('button', { name: 'Move anyway' }).click();
      // Back on the board at the card, the refusal gone from the address and the page.
      await expect(page).toHaveURL(
        new RegExp(`/boards/${board.slug}\\?open=${ready}:${standard}#card-${card.number}$`),
      );
      await expect(page.locator('.toast.error')).toHaveCount(0);
      expect(await cellColumnOf(page, card.id)).toBe(ready);
      const events = await (await request.get(`/api/v1/cards/${card.id}/events`)).json();
      const overrides = events.filter(
        (e: { kind: { type: string } }) => e.kind.type === 'policy_overridden',
      );
      expect(overrides.map((e: { kind: { reason: string } }) => e.kind.reason)).toContain(
        'Customer escalation, agreed',
      );
    } finally {
      await context.close();
    }

    // With JavaScript, the same address shows the refusal once: the page takes it out of the
    // address, so a reload of the board's data does not bring it back (nor offer the move).
    await scripted.goto(refusedUrl);
    await waitForHydration(scripted);
    await expect(scripted.locator('.toast.error')).toContainText('Ready is at its WIP limit');
    await expect.poll(() => new URL(scripted.url()).search).not.toContain('refused_move');
    expect(new URL(scripted.url()).search).not.toContain('__err');
    await scripted.locator('.toast.error').getByRole('link', { name: 'Dismiss' }).click();
    await expect(scripted.locator('.toast.error')).toHaveCount(0);
    // A layout change makes every open view read the board again.
    const renamed = board.columns.map((c) => ({
      id: c.id,
      name: c.name === 'Review' ? 'Review renamed' : c.name,
      kind: c.kind,
      wip_limit: c.name === 'Ready' ? 1 : null,
    }));
    const again = await request.put(`/api/v1/boards/${board.slug}/columns`, { data: { columns: renamed } });
    expect(again.status()).toBe(200);
    await expect(scripted.locator('.column-head .column-name')).toContainText(['Review renamed']);
    await expect(scripted.locator('.toast.error')).toHaveCount(0);
  });

  test('a refused new card says why beside the form', async ({ browser, baseURL, request }) => {
    const before = (await apiBoard(request)).cards.length;
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
    try {
      const page = await context.newPage();
      await page.goto(BOARD_PATH);
      await page.locator('details.new-card > summary').click();
      const form = page.getByRole('form', { name: 'New card' });
      // Spaces pass the input's `required`; the server refuses them.
      await form.locator('input[name="title"]').fill('   ');
      await form.getByRole('button', { name: 'Add card' }).click();
      const error = page.locator('details.new-card[open] .form-error[role="alert"]');
      await expect(error).toContainText(/title/i);
      expect((await apiBoard(request)).cards.length).toBe(before);
    } finally {
      await context.close();
    }
  });

  test('"+ N earlier" in Done opens the finished cards, newest first, a page at a time', async ({
    browser,
    baseURL,
    request,
  }) => {
    const board = await apiBoard(request);
    const done = columnId(board, 'Done');
    const standard = laneId(board, 'Standard');
    const finished = board.cards.filter((c) => c.column_id === done && c.lane_id === standard);
    // The demo board has a few hundred finished cards in Standard: more than one page.
    expect(finished.length).toBeGreaterThan(60);
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
    try {
      const page = await context.newPage();
      await page.goto(BOARD_PATH);
      const earlier = cell(page, done, standard).locator('a.more-cards');
      await expect(earlier).toHaveText(/^\+ \d+ earlier$/);
      await earlier.click();
      await expect(page).toHaveURL(`${BOARD_PATH}/finished?lane=${standard}`);
      await expect(page.getByRole('heading', { level: 1, name: 'Finished cards' })).toBeVisible();
      await expect(page.locator('.lead')).toContainText(
        `${finished.length} finished cards in the Standard lane, newest first: 1–50 shown.`,
      );
      const rows = page.locator('table.finished-cards tbody tr');
      await expect(rows).toHaveCount(50);
      const pages = Math.ceil(finished.length / 50);
      await expect(page.getByRole('navigation', { name: 'Pages' })).toContainText(`Page 1 of ${pages}`);
      // Newest first: by the time each entered Done.
      const times = await rows.locator('td[data-label="Finished"]').allInnerTexts();
      expect([...times].sort().reverse()).toEqual(times);

      await page.getByRole('link', { name: 'Older →' }).click();
      await expect(page).toHaveURL(`${BOARD_PATH}/finished?lane=${standard}&page=2`);
      await expect(page.getByRole('navigation', { name: 'Pages' })).toContainText(`Page 2 of ${pages}`);
      const second = await rows.first().locator('a').innerText();
      expect(second).toMatch(/^#\d+ /);
      await page.getByRole('link', { name: '← Newer' }).click();
      await expect(page.getByRole('navigation', { name: 'Pages' })).toContainText('Page 1 of');

      // Every lane at once, then a card's page from the list.
      await page.getByRole('navigation', { name: 'Lanes' }).getByRole('link', { name: 'Every lane' }).click();
      await expect(page).toHaveURL(`${BOARD_PATH}/finished`);
      const first = rows.first().locator('a');
      const number = (await first.innerText()).match(/^#(\d+)/)?.[1];
      await first.click();
      await expect(page).toHaveURL(`${BOARD_PATH}/cards/${number}`);
    } finally {
      await context.close();
    }
  });
});

test('a blank title is refused with a readable error and no card is made', async ({
  page,
  request,
}) => {
  const before = (await apiBoard(request)).cards.length;

  await page.goto(BOARD_PATH);
  await waitForHydration(page);
  const tilesBefore = await page.locator('article.card').count();

  await page.locator('details.new-card > summary').click();
  const form = page.getByRole('form', { name: 'New card' });
  // Spaces satisfy the input's `required`, so the browser lets the form through.
  await form.locator('input[name="title"]').fill('   ');
  await markDocument(page);
  await form.getByRole('button', { name: 'Add card' }).click();

  const error = page.locator('.form-error[role="alert"]');
  await expect(error).toBeVisible();
  const message = (await error.innerText()).trim();
  expect(message.length).toBeGreaterThan(0);
  expect(message).toMatch(/title/i);
  // Readable: a sentence, not a serialized error or a stack of Rust type names.
  expect(message).not.toMatch(/[{}]|ServerFnError|Err\(|::/);
  expect(await sameDocument(page)).toBe(true);

  expect((await apiBoard(request)).cards.length).toBe(before);
  await expect(page.locator('article.card')).toHaveCount(tilesBefore);
});

test('a drag into a full column is refused with its reason, and an override moves it', async ({
  page,
  request,
}) => {
  const board = await apiBoard(request);
  const backlog = columnId(board, 'Backlog');
  const review = columnId(board, 'Review');
  const standard = laneId(board, 'Standard');
  // Fill Review (WIP limit 3) through the API, forcing past any policy with a reason.
  const limit = board.columns.find((c) => c.id === review)?.wip_limit as number;
  const inReview = board.cards.filter((c) => c.column_id === review && c.lane_id === standard);
  for (let i = inReview.length; i < limit; i++) {
    const filler = await apiCreateCard(request, uniqueTitle('filler'));
    const r = await request.post(`/api/v1/cards/${filler.id}/move`, {
      data: { column_id: review, lane_id: standard, override_reason: 'e2e set-up' },
    });
    expect(r.status()).toBe(200);
  }
  const card = await apiCreateCard(request, uniqueTitle('refused'));

  await page.goto(BOARD_PATH);
  await waitForHydration(page);
  await fitViewportToPage(page);
  await cardTile(page, card.id).dragTo(cell(page, review, standard));

  const toast = page.locator('.toast.error');
  await expect(toast).toBeVisible();
  await expect(toast).toContainText('The card was not moved.');
  await expect(toast).toContainText('Review is at its WIP limit');
  // The card stayed where it was, on the page and in the database.
  await expect(cardTile(cell(page, backlog, standard), card.id)).toBeVisible();
  expect((await apiCard(request, card.id)).column_id).toBe(backlog);

  const override = toast.getByRole('form', { name: 'Override the policy' });
  await override.locator('input[name="override_reason"]').fill('Blocks the release, agreed at stand-up');
  await override.getByRole('button', { name: 'Move anyway' }).click();
  await expect(cardTile(cell(page, review, standard), card.id)).toBeVisible();
  expect((await apiCard(request, card.id)).column_id).toBe(review);

  const events = await (await request.get(`/api/v1/cards/${card.id}/events`)).json();
  const overrides = events.filter(
    (e: { kind: { type: string } }) => e.kind.type === 'policy_overridden',
  );
  expect(overrides.length).toBeGreaterThan(0);
  expect(overrides[0].kind.reason).toBe('Blocks the release, agreed at stand-up');
  expect(overrides.map((e: { kind: { rule: string } }) => e.kind.rule)).toContain('wip_limit');

  // The card's history shows the override.
  await page.goto(`${BOARD_PATH}/cards/${card.number}`);
  await expect(page.locator('ol.events')).toContainText('overrode the wip limit policy in Review');
});

test('board settings rename, add and remove a column, and set the flow policies', async ({
  page,
  request,
}) => {
  await page.goto(`${BOARD_PATH}/settings`);
  await expect(page.getByRole('heading', { name: 'Board settings' })).toBeVisible();
  const rows = page.locator('li.column-row');
  await expect(rows).toHaveCount(5);

  // Add a column: it goes before Done.
  const add = page.locator('section.panel', { hasText: 'Add a column' });
  await add.locator('input[name="name"]').fill('Deploy');
  await add.locator('select[name="kind"]').selectOption('active');
  await add.locator('input[name="wip_limit"]').fill('2');
  await add.getByRole('button', { name: 'Add column' }).click();
  await expect(rows).toHaveCount(6);
  let board = await apiBoard(request);
  expect(board.columns.map((c) => c.name)).toEqual([...COLUMN_NAMES.slice(0, 4), 'Deploy', 'Done']);
  expect(board.columns[4].wip_limit).toBe(2);

  // Rename it, then remove it (it is empty).
  const deploy = rows.nth(4);
  await deploy.locator('input[name="name"]').fill('Ship');
  await deploy.getByRole('button', { name: 'Save' }).click();
  // The typed value shows at once; the Remove button's label follows only once the saved
  // layout is read back, so wait for that before asking the API.
  await expect(rows.nth(4).getByRole('button', { name: 'Remove Ship' })).toBeVisible();
  await expect
    .poll(async () => (await apiBoard(request)).columns[4].name, { message: 'the rename is stored' })
    .toBe('Ship');
  await rows.nth(4).getByRole('button', { name: 'Remove Ship' }).click();
  await expect(rows).toHaveCount(5);
  // A column holding cards cannot be removed: its button is disabled.
  await expect(rows.nth(0).getByRole('button', { name: 'Remove Backlog' })).toBeDisabled();

  // Flow policies.
  const policy = page.locator('form.policy-form');
  await policy.locator('input[name="committed_capacity"]').fill('9');
  await policy.locator('input[name="tech_debt_percent"]').fill('25');
  await policy.getByRole('button', { name: 'Save policies' }).click();
  await expect(page.locator('section.panel', { hasText: 'Flow policies' })).toContainText(
    '3 of 9 committed slots are reserved',
  );
  board = await apiBoard(request);
  expect(board.columns.map((c) => c.name)).toEqual(COLUMN_NAMES);
  expect(board.policy?.committed_capacity).toBe(9);
  expect(board.policy?.tech_debt_share).toBe(0.25);
});

test('Shift and an arrow move a card to another lane from the keyboard, and the focus stays on it', async ({
  page,
  request,
}) => {
  const board = await apiNewBoard(request, 'keys');
  const slug = board.slug;
  const backlog = columnId(board, 'Backlog');
  const expedite = laneId(board, 'Expedite');
  const card = await apiCardOn(request, slug, { title: uniqueTitle('lane key') });

  await page.goto(`/boards/${slug}`);
  await waitForHydration(page);
  const title = cardTile(page, card.id).locator('a.card-title');
  await title.focus();
  await markDocument(page);
  await page.keyboard.press('Shift+ArrowUp');

  await expect(cardTile(cell(page, backlog, expedite), card.id)).toBeVisible();
  await expect(cardTile(page, card.id).locator('a.card-title')).toBeFocused();
  expect(await sameDocument(page)).toBe(true);
  await expect
    .poll(async () => {
      const stored = await request.get(`/api/v1/cards/${card.id}`);
      return ((await stored.json()) as ApiCard).lane_id;
    })
    .toBe(expedite);

  // ? lists the shortcuts; n opens the new card form with the cursor in its title.
  await page.keyboard.press('?');
  await expect(page.locator('details.shortcuts')).toHaveAttribute('open', '');
  await expect(page.locator('details.shortcuts')).toContainText('Move the card to the lane above or below');
  await page.keyboard.press('n');
  await expect(page.getByRole('form', { name: 'New card' }).locator('input[name="title"]')).toBeFocused();
});

test('a card dropped on a long cell stays in sight, last of the cards it shows', async ({
  page,
  request,
}) => {
  // A board of its own whose Ready holds more cards than a cell shows (50).
  const board = await apiNewBoard(request, 'long-cell');
  const columns = board.columns.map((c) => ({ id: c.id, name: c.name, kind: c.kind }));
  const put = await request.put(`/api/v1/boards/${board.slug}/columns`, { data: { columns } });
  expect(put.status(), `PUT columns: ${await put.text()}`).toBe(200);
  const ready = columnId(board, 'Ready');
  const standard = laneId(board, 'Standard');
  for (let i = 0; i < 52; i++) {
    await apiCardOn(request, board.slug, { title: `queued ${i}`, column_id: ready });
  }
  const card = await apiCardOn(request, board.slug, { title: uniqueTitle('dropped') });

  await page.goto(`/boards/${board.slug}`);
  await waitForHydration(page);
  const target = cell(page, ready, standard);
  await expect(target.locator('a.more-cards')).toHaveText('Show 2 more');
  // Dropped in the cell's padding above its first card: on no card.
  await cardTile(page, card.id).dragTo(target, { targetPosition: { x: 20, y: 4 } });
  const shown = target.locator('article.card');
  await expect(shown).toHaveCount(50);
  await expect(shown.nth(49)).toHaveAttribute('data-card-id', card.id);
  await expect(target.locator('a.more-cards')).toHaveText('Show 3 more');
  // The server put it in the same place: a reload shows the same.
  await page.reload();
  await expect(cell(page, ready, standard).locator('article.card').nth(49)).toHaveAttribute(
    'data-card-id',
    card.id,
  );
});

test('a lane without open cards is a thin strip until opened', async ({ page, request }) => {
  const board = await apiNewBoard(request, 'quiet');
  const slug = board.slug;
  const done = columnId(board, 'Done');
  const expedite = laneId(board, 'Expedite');
  const finished = await apiCardOn(request, slug, {
    title: uniqueTitle('finished incident'),
    card_type: 'incident',
    severity: 'sev1',
    column_id: done,
    lane_id: expedite,
  });
  await apiCardOn(request, slug, { title: uniqueTitle('open work') });

  await page.goto(`/boards/${slug}`);
  await waitForHydration(page);
  const label = page.locator('.lane-label.lane-expedite');
  await expect(label).toHaveClass(/quiet/);
  await expect(label).toContainText('no open cards');
  await expect(cardTile(page, finished.id)).toBeHidden();
  const strip = await cell(page, done, expedite).boundingBox();
  expect(strip!.height).toBeLessThan(40);

  await label.getByRole('link', { name: 'Show 1 finished' }).click();
  await expect(page).toHaveURL(/\?lane=/);
  await expect(label).not.toHaveClass(/quiet/);
  await expect(cardTile(page, finished.id)).toBeVisible();
});

test('on a phone the board shows one column at a time, with their names to switch', async ({
  page,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(BOARD_PATH);
  await waitForHydration(page);

  const switcher = page.getByRole('navigation', { name: 'Columns' });
  await expect(switcher.getByRole('link')).toHaveText(COLUMN_NAMES);
  const heads = page.locator('.column-head');
  const first = await heads.nth(0).boundingBox();
  const second = await heads.nth(1).boundingBox();
  expect(first && second, 'column headers are laid out').toBeTruthy();
  // One column fills the screen's width; of the next, only an edge shows.
  expect(first!.width).toBeGreaterThan(300);
  expect(second!.x).toBeGreaterThan(first!.x + first!.width);
  expect(second!.x).toBeGreaterThan(390 - 24);
  // The work starts in the upper half of the screen.
  expect(first!.y).toBeLessThan(844 / 2);

  await switcher.getByRole('link', { name: 'Review' }).click();
  await expect
    .poll(async () => (await heads.nth(3).boundingBox())?.x ?? -1, {
      message: 'the Review column is scrolled into view',
    })
    .toBeLessThan(40);
  // Its name stays in sight while the column scrolls down.
  await page.locator('.board-scroll').evaluate((el) => el.scrollBy(0, 600));
  const head = await heads.nth(3).boundingBox();
  const scroller = await page.locator('.board-scroll').boundingBox();
  expect(Math.abs(head!.y - scroller!.y)).toBeLessThan(4);
});
