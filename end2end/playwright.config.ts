// Browser tests for Flowboard: Playwright drives Debian's Chromium (/usr/bin/chromium; no
// browser is ever downloaded) against the debug server binary, which this config starts on a
// fresh SQLite database with the demo board seeded. `make test-e2e` builds the binary and the
// site first; run it by hand with `cd end2end && npx playwright test`.
//
// The server runs with `--demo` on loopback, so a browser without a session is signed in as
// the demo admin (tests that need someone else set the `flowboard_demo=off` cookie). Before it
// starts, `flowboard token create` makes an admin API token into the run directory; the
// `request` fixture in tests/fixtures.ts sends it to the REST API.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defineConfig } from '@playwright/test';

// Another port for a second checkout running its browser tests at the same time.
const PORT = Number(process.env.FLOWBOARD_E2E_PORT ?? 3199);
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

// Cargo's output directory: CARGO_TARGET_DIR when set (absolute, or relative to the repository
// root where make runs cargo), else ../target; scripts/build-site.sh follows the same rule.
const TARGET_DIR = path.resolve(__dirname, '..', process.env.CARGO_TARGET_DIR || 'target');
const FLOWBOARD = path.join(TARGET_DIR, 'debug', 'flowboard');
const DATABASE_URL = `sqlite://${dbDir}/e2e.db`;
/** Where the API token's secret is written; tests/fixtures.ts reads it (same directory). */
const TOKEN_FILE = path.join(dbDir, 'token');
const serverScript = [
  `${FLOWBOARD} token create --scope admin --name e2e --database-url ${DATABASE_URL}` +
    ` > ${dbDir}/token.out`,
  `tail -n 1 ${dbDir}/token.out > ${TOKEN_FILE}`,
  `exec ${FLOWBOARD} --demo --bind 127.0.0.1:${PORT} --database-url ${DATABASE_URL}` +
    ` --site-root ${path.join(TARGET_DIR, 'site')}`,
].join(' && ');

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
    // The token is made first (it creates and migrates the database); the secret is the last
    // line of the command's output. `exec` leaves the server as the process Playwright stops.
    command: `sh -c '${serverScript}'`,
    url: `${BASE_URL}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
