// The release server with the demo board on a throw-away SQLite database, for the browser
// benches (bench/browser.mjs, bench/lighthouse.mjs), with an admin API token.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root directory. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A bench script's options: `--flowboard` (the release binary), `--site` (the bundle) and
 * `--out` (its report section, `target/bench/<section>.md` by default).
 */
export function benchOptions(section) {
  const targetDir = path.resolve(root, process.env.CARGO_TARGET_DIR || 'target');
  const args = Object.fromEntries(
    process.argv.slice(2).reduce((pairs, arg, i, all) => {
      if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
      return pairs;
    }, []),
  );
  return {
    flowboard: args.flowboard || path.join(targetDir, 'release', 'flowboard'),
    site: args.site || path.join(targetDir, 'site'),
    out: args.out || path.join(targetDir, 'bench', `${section}.md`),
  };
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

export async function startServer(flowboard, site) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowboard-browser-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const database = `sqlite://${dir}/bench.db`;
  // An admin token for the API (made first: it creates the database; the demo board is
  // seeded into a database without boards).
  const token = execFileSync(
    flowboard,
    ['token', 'create', '--scope', 'admin', '--name', 'bench', '--database-url', database],
    { encoding: 'utf8', env: { ...process.env, RUST_LOG: 'warn' } },
  )
    .trim()
    .split('\n')
    .pop();
  const child = spawn(
    flowboard,
    ['--demo', '--bind', `127.0.0.1:${port}`, '--database-url', database],
    {
      // The bench fills a board of 2,000 cards through the API as fast as it can: the token
      // rate limit (50 a second by default) is not what it measures.
      env: {
        ...process.env,
        FLOWBOARD_SITE_ROOT: site,
        FLOWBOARD_TOKEN_REQUESTS_PER_SECOND: '100000',
        RUST_LOG: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const stop = () => {
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { base, stop, token };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  throw new Error(`${flowboard} did not become ready`);
}
