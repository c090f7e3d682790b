// Removes the run's temporary database directory (made in playwright.config.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export default function globalTeardown(): void {
  const dir = process.env.FLOWBOARD_E2E_DB_DIR?.replace(/^\d+:/, '');
  // Only ever delete a directory this config made.
  if (dir && path.dirname(dir) === os.tmpdir() && path.basename(dir).startsWith('flowboard-e2e-')) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
