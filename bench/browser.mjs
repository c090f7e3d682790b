// The board in a real browser, counted on the wire (issue 32): Debian's Chromium driven by
// playwright-core (installed in end2end/ by `scripts/setup.sh e2e`; never a downloaded
// browser) against the release server with the demo board.
//
//   node bench/browser.mjs [--flowboard target/release/flowboard] [--site target/site]
//                          [--out target/bench/browser.md]
//
// A first visit opens the demo board in a fresh browser context (empty cache, no cookies)
// and waits until the page has hydrated and the network has been quiet for a while (the
// live stream stays open; what it received counts too). A return visit reloads the page in
// the same context, as someone coming back to the board would. Bytes are what Chromium's
// network layer reports as received for each request (DevTools protocol,
// `Network.loadingFinished.encodedDataLength`: compressed bodies plus response headers; a
// request answered from the browser's cache receives nothing).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'end2end', 'package.json'));
const { chromium } = require('playwright-core');

const targetDir = path.resolve(root, process.env.CARGO_TARGET_DIR || 'target');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const flowboard = args.flowboard || path.join(targetDir, 'release', 'flowboard');
const site = args.site || path.join(targetDir, 'site');
const out = args.out || path.join(targetDir, 'bench', 'browser.md');

/** Targets of issue 32, in bytes (1 KB = 1,000 bytes). */
const FIRST_VISIT_TARGET = 600_000;
const RETURN_VISIT_TARGET = 60_000;
/** How long the network must stay quiet before a visit counts as finished. */
const QUIET_MS = 1_500;

const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowboard-browser-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    flowboard,
    ['--demo', '--bind', `127.0.0.1:${port}`, '--database-url', `sqlite://${dir}/bench.db`],
    {
      env: { ...process.env, FLOWBOARD_SITE_ROOT: site, RUST_LOG: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const stop = () => {
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { base, stop };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  throw new Error(`${flowboard} did not become ready`);
}

/** Counts what one page receives: per request, the bytes Chromium reports. */
async function counter(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let requests = new Map();
  let lastEvent = Date.now();
  const entry = (id) => {
    if (!requests.has(id)) requests.set(id, { url: '', bytes: 0, received: 0, done: false, cached: false });
    lastEvent = Date.now();
    return requests.get(id);
  };
  cdp.on('Network.requestWillBeSent', (e) => (entry(e.requestId).url = e.request.url));
  cdp.on('Network.responseReceived', (e) => {
    const r = entry(e.requestId);
    r.status = e.response.status;
    r.cached = e.response.fromDiskCache || e.response.fromPrefetchCache || false;
    r.encoding = (e.response.headers['content-encoding'] || e.response.headers['Content-Encoding'] || '');
  });
  cdp.on('Network.requestServedFromCache', (e) => (entry(e.requestId).cached = true));
  // A stream that never finishes (the live stream) is counted as it receives: its headers
  // (what the response had received when it arrived) and then its chunks. Chromium reports
  // an event stream's chunks with no encoded length, so their decoded size counts there
  // (the stream is never compressed).
  cdp.on('Network.responseReceived', (e) => (entry(e.requestId).received += e.response.encodedDataLength || 0));
  cdp.on('Network.dataReceived', (e) => (entry(e.requestId).received += e.encodedDataLength || e.dataLength));
  cdp.on('Network.loadingFinished', (e) => {
    const r = entry(e.requestId);
    r.bytes = e.encodedDataLength;
    r.done = true;
  });
  return {
    reset() {
      requests = new Map();
      lastEvent = Date.now();
    },
    async quiet() {
      while (Date.now() - lastEvent < QUIET_MS) await new Promise((r) => setTimeout(r, 100));
    },
    total() {
      const list = [...requests.values()].filter((r) => r.url && !r.url.startsWith('data:'));
      const bytes = (r) => (r.done ? r.bytes : r.received);
      return { bytes: list.reduce((sum, r) => sum + bytes(r), 0), list: list.map((r) => ({ ...r, counted: bytes(r) })) };
    },
  };
}

function table(list) {
  return list
    .map((r) => `  ${String(r.counted).padStart(9)}  ${r.status ?? '-'} ${r.cached || (r.done && r.counted === 0) ? 'cache' : r.encoding || 'plain'}  ${r.url.replace(/^https?:\/\/[^/]+/, '')}`)
    .join('\n');
}

const server = await startServer();
let browser;
try {
  browser = await chromium.launch({
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
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  const count = await counter(context, page);
  const board = `${server.base}/boards/platform`;

  await page.goto(board, { waitUntil: 'load' });
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 60_000 });
  await count.quiet();
  const first = count.total();

  count.reset();
  await page.reload({ waitUntil: 'load' });
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 60_000 });
  await count.quiet();
  const again = count.total();

  console.log(`first visit: ${first.bytes} bytes\n${table(first.list)}`);
  console.log(`return visit: ${again.bytes} bytes\n${table(again.list)}`);
  const row = (measure, figure, requests, target) =>
    `| ${measure} | ${(figure / 1000).toFixed(1)} KB (${figure.toLocaleString('en')} bytes, ${requests} requests) | ≤ ${target / 1000} KB | ${figure <= target ? 'yes' : '**no**'} |`;
  const md = [
    '',
    '## The board in the browser',
    '',
    'Debian\'s Chromium (playwright-core) on the demo board of the release server (`scripts/bench.sh browser`,',
    '`bench/browser.mjs`): bytes received on the wire as Chromium\'s network layer counts them (compressed',
    'bodies and response headers). The first visit starts with an empty cache; the return visit reloads the',
    'page in the same browser context. Each waits until the page has hydrated and the network has been',
    `quiet for ${QUIET_MS / 1000} s.`,
    '',
    '| measure | figure | target | met |',
    '| --- | --- | --- | :-: |',
    row('first visit of the demo board', first.bytes, first.list.length, FIRST_VISIT_TARGET),
    row('return visit (reload)', again.bytes, again.list.length, RETURN_VISIT_TARGET),
    '',
  ].join('\n');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, md);
  console.log(`wrote ${out}`);
} finally {
  await browser?.close();
  server.stop();
}
