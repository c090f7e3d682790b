// The delivery dashboard: DORA's four keys of the demo's deployments, the value stream, and a
// deployment reported by CI through the API showing up under its service.
import { expect, test } from './fixtures';

test('the delivery dashboard shows the four keys, the value stream and deployments', async ({
  page,
}) => {
  await page.goto('/boards/platform');
  await page.getByRole('link', { name: 'Delivery' }).click();
  await expect(page).toHaveURL(/\/boards\/platform\/delivery$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Delivery' })).toBeVisible();
  for (const key of ['deployment_frequency', 'lead_time', 'change_failure_rate', 'time_to_restore']) {
    const figure = page.locator(`.four-keys [data-key="${key}"]`);
    await expect(figure).toBeVisible();
    await expect(figure.locator('.band')).toHaveText(/^(Elite|High|Medium|Low|No data)$/);
  }
  // Demo deployments happen every weekday: the frequency has a band.
  await expect(page.locator('[data-key="deployment_frequency"] .band')).not.toHaveText('No data');
  // Five columns, then deployment and production.
  const blocks = page.locator('[data-section="value-stream"] .stream-block');
  await expect(blocks).toHaveCount(7);
  await expect(blocks.nth(5)).toContainText('deployment');
  await expect(blocks.nth(6)).toContainText('production');
  expect(await page.locator('[data-section="deployments"] tbody tr').count()).toBeGreaterThan(3);
});

test('a deployment posted by CI appears under its service', async ({ page, request }) => {
  const service = `e2e-${Date.now()}`;
  const deployedAt = new Date(Date.now() - 60 * 60 * 1000).toISOString();
  const committedAt = new Date(Date.now() - 5 * 60 * 60 * 1000).toISOString();
  const r = await request.post('/api/v1/deployments?board=platform', {
    data: {
      service,
      environment: 'production',
      version: 'v9.9.9',
      deployed_at: deployedAt,
      status: 'success',
      commits: [{ sha: 'abc1234def', committed_at: committedAt }],
    },
  });
  expect(r.status()).toBe(201);

  await page.goto('/boards/platform/delivery');
  await page.locator('select[name="service"]').selectOption(service);
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(new RegExp(`service=${service}`));
  const rows = page.locator('[data-section="deployments"] tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('v9.9.9');
  await expect(page.locator('[data-key="deployment_frequency"]')).toContainText('1 deployments');
  // Commit to deploy took four hours.
  await expect(page.locator('[data-key="lead_time"] .figure-value')).toHaveText('0.2 days');
});

test('an incident is blamed on a deployment from its card page', async ({ page, request }) => {
  const version = `v-blame-${Date.now()}`;
  const deployed = await request.post('/api/v1/deployments?board=platform', {
    data: {
      service: 'checkout',
      environment: 'production',
      version,
      deployed_at: new Date(Date.now() - 30 * 60 * 1000).toISOString(),
      status: 'success',
      commits: [],
    },
  });
  expect(deployed.status()).toBe(201);
  const deployment = (await deployed.json()) as { id: string };
  const title = `E2E blamed incident ${Date.now()}`;
  const incident = await request.post('/api/v1/incidents?board=platform', {
    data: { title, severity: 'sev3', service: 'checkout', dedup_key: title },
  });
  expect(incident.status()).toBe(201);
  const card = (await incident.json()) as { number: number };

  await page.goto(`/boards/platform/cards/${card.number}`);
  await expect(page.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 30_000 });
  const cause = page.locator('[data-section="cause"]');
  await cause.locator('select[name="deployment_id"]').selectOption(deployment.id);
  await cause.getByRole('button', { name: 'Save' }).click();
  // The history records the change, and a reload shows the choice kept.
  await expect(page.locator('.history')).toContainText('edited caused by', { timeout: 20_000 });
  await page.reload();
  await expect(cause.locator('select[name="deployment_id"]')).toHaveValue(deployment.id);
  // The deployment now counts as a failed change.
  const listed = await request.get('/api/v1/boards/platform/deployments');
  const all = (await listed.json()) as { id: string; caused_incidents: string[] }[];
  expect(all.find((d) => d.id === deployment.id)?.caused_incidents).toHaveLength(1);
});

test('a change heard while a form is half filled waits for the viewer instead of undoing it', async ({
  page,
  request,
}) => {
  const version = `v-wait-${Date.now()}`;
  const deployed = await request.post('/api/v1/deployments?board=platform', {
    data: {
      service: 'checkout',
      environment: 'production',
      version,
      deployed_at: new Date(Date.now() - 10 * 60 * 1000).toISOString(),
      status: 'success',
      commits: [],
    },
  });
  expect(deployed.status()).toBe(201);
  const deployment = (await deployed.json()) as { id: string };
  const title = `E2E half-filled ${Date.now()}`;
  const incident = await request.post('/api/v1/incidents?board=platform', {
    data: { title, severity: 'sev3', service: 'checkout', dedup_key: title },
  });
  expect(incident.status()).toBe(201);
  const card = (await incident.json()) as { id: string; number: number };

  await page.goto(`/boards/platform/cards/${card.number}`);
  await expect(page.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 30_000 });
  await expect(page.locator('.live-status[data-live="on"]')).toBeVisible();
  const select = page.locator('[data-section="cause"] select[name="deployment_id"]');
  await select.selectOption(deployment.id);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  // Someone comments meanwhile: the page offers the change rather than undoing the choice.
  const r = await request.post(`/api/v1/cards/${card.id}/comments`, { data: { body: 'Rolled back v1.2' } });
  expect(r.status()).toBe(201);
  await expect(page.getByRole('status').filter({ hasText: 'changed while you were writing' })).toBeVisible();
  await expect(select).toHaveValue(deployment.id);
  await page.getByRole('link', { name: 'Show the changes' }).click();
  await expect(page.locator('.history')).toContainText('Rolled back v1.2');
});
