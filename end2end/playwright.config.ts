// Browser tests for Flowboard: Playwright drives Debian's Chromium (/usr/bin/chromium; no
// browser is ever downloaded) against the debug server binary, which this config starts on a
// fresh SQLite database with the demo board seeded. `make test-e2e` builds the binary and the
// site first; run it by hand with `cd end2end && npx playwright test`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defineConfig } from '@playwright/test';

const PORT = 3199;
const BASE_URL = `http://127.0.0.1:${PORT}`;

// One fresh database directory per run. Playwright evaluates this file again in its worker
// processes; they inherit the runner's environment, so the directory is handed down as
// "<runner pid>:<dir>" and reused only by the runner itself or its children, never taken
// from a value left over in the shell. global-teardown.ts removes it.
const DB_DIR_ENV = 'FLOWBOARD_E2E_DB_DIR';
function runDirectory(): string {
  const handed = process.env[DB_DIR_ENV]?.match(/^(\d+):(.+)$/);
  if (handed && [process.pid, process.ppid].includes(Number(handed[1]))) return handed[2];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowboard-e2e-'));
  process.env[DB_DIR_ENV] = `${process.pid}:${dir}`;
  return dir;
}
const dbDir = runDirectory();

export default defineConfig({
  testDir: './tests',
  // The tests share one server and one database, so they run one at a time.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: 'list',
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  globalTeardown: './global-teardown.ts',
  use: {
    baseURL: BASE_URL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
  webServer: {
    command:
      `../target/debug/flowboard --bind 127.0.0.1:${PORT}` +
      ` --database-url sqlite://${dbDir}/e2e.db --site-root ../target/site`,
    url: `${BASE_URL}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
