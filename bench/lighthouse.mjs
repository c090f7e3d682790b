// Lighthouse (npm `lighthouse`, installed in bench/ by `scripts/setup.sh bench`) on the boards
// list, the demo board and its retrospective, in Debian's Chromium, against the release server
// (issue 32: performance ≥ 90, accessibility 100, best practices 100).
//
//   node bench/lighthouse.mjs [--flowboard target/release/flowboard] [--site target/site]
//                             [--out target/bench/lighthouse.md]
//
// Lighthouse's default settings: a phone (Moto G-class screen), simulated slow 4G and a CPU
// four times slower than this one. Each page is audited RUNS times in the same browser and
// the median run counts, as Lighthouse's own docs advise (its performance score varies from
// run to run). The demo server signs loopback visitors in, so the pages are the signed-in
// ones a team sees.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { benchOptions, root, startServer } from './server.mjs';

const { flowboard, site, out } = benchOptions('lighthouse');

const PAGES = [
  ['boards list', '/'],
  ['demo board', '/boards/platform'],
  ['retrospective', '/boards/platform/retro'],
];
const RUNS = 3;
const TARGETS = { performance: 90, accessibility: 100, 'best-practices': 100 };

const server = await startServer(flowboard, site);
const chrome = await chromeLauncher.launch({
  chromePath: '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
const rows = [];
try {
  for (const [name, page] of PAGES) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const result = await lighthouse(`${server.base}${page}`, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: Object.keys(TARGETS),
      });
      const lhr = result.lhr;
      if (lhr.runtimeError) throw new Error(`${page}: ${lhr.runtimeError.message}`);
      const score = (id) => Math.round((lhr.categories[id].score ?? 0) * 100);
      const failing = Object.keys(TARGETS).flatMap((id) =>
        lhr.categories[id].auditRefs
          // Audits that weigh nothing (source maps, say) do not move the score.
          .filter((ref) => ref.weight > 0)
          .map((ref) => lhr.audits[ref.id])
          .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'informative'
            && a.scoreDisplayMode !== 'notApplicable' && a.scoreDisplayMode !== 'manual')
          .filter((a) => id !== 'performance' || a.scoreDisplayMode === 'binary')
          .map((a) => a.id),
      );
      runs.push({
        performance: score('performance'),
        accessibility: score('accessibility'),
        'best-practices': score('best-practices'),
        lcp: lhr.audits['largest-contentful-paint'].numericValue,
        tbt: lhr.audits['total-blocking-time'].numericValue,
        cls: lhr.audits['cumulative-layout-shift'].numericValue,
        failing,
      });
      console.log(`${name} run ${i + 1}: ${JSON.stringify(runs.at(-1))}`);
    }
    runs.sort((a, b) => a.performance - b.performance);
    rows.push({ name, page, run: runs[Math.floor(RUNS / 2)], all: runs });
  }
} finally {
  await chrome.kill();
  server.stop();
}

const met = (ok) => (ok ? 'yes' : '**no**');
const md = [
  '',
  '## Lighthouse',
  '',
  `Lighthouse ${lighthouseVersion()} (npm, \`bench/lighthouse.mjs\`, \`scripts/bench.sh lighthouse\`) in Debian's Chromium`,
  'against the release server with the demo board, signed in: its default phone profile (simulated slow',
  `4G, CPU slowed four times). The median of ${RUNS} runs by performance score; the range of the`,
  'performance scores in brackets. Targets: performance ≥ 90, accessibility 100, best practices 100.',
  '',
  '| page | performance | accessibility | best practices | LCP | TBT | CLS | met |',
  '| --- | --- | --- | --- | --- | --- | --- | :-: |',
  ...rows.map(({ name, page, run, all }) => {
    const ok = Object.entries(TARGETS).every(([id, target]) => run[id] >= target);
    const range = `${all[0].performance}–${all.at(-1).performance}`;
    return `| ${name} (\`${page}\`) | ${run.performance} (${range}) | ${run.accessibility} | ${run['best-practices']} | ${(run.lcp / 1000).toFixed(1)} s | ${run.tbt.toFixed(0)} ms | ${run.cls.toFixed(3)} | ${met(ok)} |`;
  }),
  '',
  ...rows
    .filter(({ run }) => run.failing.length > 0)
    .map(({ name, run }) => `Audits below full marks on the ${name}: ${run.failing.map((a) => `\`${a}\``).join(', ')}.`),
  '',
].join('\n');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, md);
console.log(md);
console.log(`wrote ${out}`);

function lighthouseVersion() {
  const pkg = path.join(root, 'bench', 'node_modules', 'lighthouse', 'package.json');
  return JSON.parse(fs.readFileSync(pkg, 'utf8')).version;
}
