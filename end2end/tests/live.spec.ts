// Live board: a change made elsewhere (monitoring through the incident API, a script moving a
// card) shows on an open board page without a reload. The page follows the board's
// server-sent-events stream (components/live.rs) and reads the board again on each change.
import { expect, test } from './fixtures';

const BOARD_PATH = '/boards/platform';

interface ApiColumn {
  id: string;
  name: string;
}

test('an incident posted to the API appears on an open board, and its move follows', async ({
  page,
  request,
}) => {
  await page.goto(BOARD_PATH);
  // The stream is open once the page has hydrated and the server said `ready`.
  await expect(page.locator('.live-status[data-live="on"]')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.live-status')).toHaveText(/Live/);
  await page.evaluate(() => {
    (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
  });

  const title = `E2E live incident ${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const posted = await request.post('/api/v1/incidents?board=platform', {
    data: { title, severity: 'sev3', service: 'checkout', dedup_key: title },
  });
  expect(posted.status()).toBe(201);
  const card = (await posted.json()) as { id: string; column_id: string };

  const tile = page.locator(`article.card[data-card-id="${card.id}"]`);
  // Within a second of the commit, plus the page's 300 ms coalescing and the board read.
  await expect(tile).toBeVisible({ timeout: 3_000 });
  await expect(tile).toContainText(title);

  // A move made through the API follows too.
  const board = (await (await request.get('/api/v1/boards/platform')).json()) as {
    columns: ApiColumn[];
  };
  const ready = board.columns.find((c) => c.name === 'Ready');
  expect(ready, 'the demo board has a Ready column').toBeTruthy();
  const moved = await request.post(`/api/v1/cards/${card.id}/move`, {
    data: { column_id: ready!.id, override_reason: 'live board test' },
  });
  expect(moved.status()).toBe(200);
  await expect
    .poll(
      () =>
        tile.evaluate((el) => el.closest('.cell')?.getAttribute('data-column-id') ?? null),
      { timeout: 3_000, message: 'the tile should move to Ready without a reload' },
    )
    .toBe(ready!.id);

  const same = await page.evaluate(
    () => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true,
  );
  expect(same, 'no page load replaced the board').toBe(true);
});

test('a move sends only the move, and a change made elsewhere reads only that card', async ({
  page,
  request,
}) => {
  const board = (await (await request.get('/api/v1/boards/platform')).json()) as {
    columns: (ApiColumn & { wip_limit: number | null })[];
  };
  const backlog = board.columns.find((c) => c.name === 'Backlog')!;
  const done = board.columns.find((c) => c.name === 'Done')!;
  const make = async (what: string) => {
    const title = `E2E ${what} ${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
    const r = await request.post('/api/v1/boards/platform/cards', {
      data: { title, card_type: 'feature', column_id: backlog.id },
    });
    expect(r.status()).toBe(201);
    return (await r.json()) as { id: string; number: number };
  };
  const mine = await make('mine');
  const theirs = await make('theirs');

  // Tall enough for the whole board: a drag needs both ends on the screen.
  await page.setViewportSize({ width: 1440, height: 4_000 });
  await page.goto(BOARD_PATH);
  await expect(page.locator('.live-status[data-live="on"]')).toBeVisible({ timeout: 30_000 });
  const asked: string[] = [];
  page.on('request', (r) => asked.push(new URL(r.url()).pathname));

  // A drag to Done (no WIP limit): the card shows there, and only the move is sent (and,
  // as a card was finished, the tech-debt share read again); the stream's echo of the move
  // reads nothing.
  const tile = page.locator(`article.card[data-card-id="${mine.id}"]`);
  await tile.dragTo(page.locator(`.cell[data-column-id="${done.id}"]`).last());
  await expect
    .poll(() => tile.evaluate((el) => el.closest('.cell')?.getAttribute('data-column-id')))
    .toBe(done.id);
  await expect(page.locator('.live-status[data-live="on"]')).toBeVisible();
  await page.waitForTimeout(1_000);
  expect(asked.filter((p) => p.startsWith('/fn/')).sort()).toEqual(
    ['/fn/board_share', '/fn/move_card'],
  );

  // A move through the API: the page reads that card, not the board.
  asked.length = 0;
  const moved = await request.post(`/api/v1/cards/${theirs.id}/move`, {
    data: { column_id: done.id },
  });
  expect(moved.status()).toBe(200);
  const theirTile = page.locator(`article.card[data-card-id="${theirs.id}"]`);
  await expect
    .poll(() => theirTile.evaluate((el) => el.closest('.cell')?.getAttribute('data-column-id')), {
      timeout: 3_000,
    })
    .toBe(done.id);
  await page.waitForTimeout(1_000);
  expect(asked.filter((p) => p.startsWith('/fn/'))).toContain('/fn/board_cards');
  expect(asked).not.toContain('/fn/get_board');
});
