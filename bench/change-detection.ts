// bench/change-detection: pages checked per second by Vigil's page watching, the precision and
// recall of the pages it finds changed, and its throughput as a ratio of urlwatch's (the Debian
// package) checking the same pages with the same concurrency in the same run.
//
//   cd /work/main && npm run bench:change-detection
//
// Settings (environment): BENCH_PAGES (1_000), BENCH_CONCURRENCY (10: urlwatch's fixed thread
// pool, MAX_WORKERS in urlwatch/worker.py, so both sides get the same), BENCH_SKIP_URLWATCH (1:
// Vigil only), BENCH_SKIP_DB (1: skip the database-backed figure), BENCH_DATABASE_URL (a
// postgres:// URL on loopback: the database-backed figure runs on a fresh database beside it).
//
// The site (bench/change-site.ts, a worker thread on 127.0.0.1) serves BENCH_PAGES realistic pages
// of ~17 KB whose chrome changes on every request: clock, "last updated n minutes ago", rotating
// ad slot, reordered navigation, cookie banner session, CSRF token, inline script state. Each side
// runs a baseline check of every page; then every page switches to version 1, in which a known 10%
// (pages n ≡ 3 mod 10) gain real content (a paragraph, a list item, a table row, or a heading and
// paragraph) and the other 90% change only in chrome, and each side checks again, timed.
//
// Vigil has two figures. "processor": the `lite` event_stream processor (feedWatch.run →
// readSources → page extraction, identity, near-duplicates) over the guarded outbound client, one
// monitor per page, state (seen keys, fingerprints) kept in memory between the two checks.
// "database": a whole Vigil (startVigil) whose leasing worker runs one monitor per page and commits
// each outcome (events, seen keys, fingerprints) to SQLite or PostgreSQL (bench/change-detection-db.ts). urlwatch's side is `urlwatch` itself (a process, its default raw-HTML diff),
// timed from spawn to exit, so its figure includes Python's start-up (~0.3 s).
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Monitor } from '../src/domain/monitor.js';
import { createOutboundClient, type OutboundClient } from '../src/outbound/http.js';
import { loadConfig } from '../src/config.js';
import { createParsePool, type SourceParser } from '../src/research/isolate/parse-pool.js';
import { feedWatch } from '../src/research/processors/lite-watch.js';
import { USER_AGENT } from '../src/server.js';
import { startDbSide } from './change-detection-db.js';
import { envInt, machineLine, printRate, tempDir } from './lib.js';

const PAGES = envInt('BENCH_PAGES', 1_000, 10);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 10, 1);
const SKIP_URLWATCH = process.env.BENCH_SKIP_URLWATCH === '1';
const SKIP_DB = process.env.BENCH_SKIP_DB === '1';
const CHANGED = new Set(Array.from({ length: PAGES }, (_, i) => i).filter((i) => i % 10 === 3));

interface Site {
  origin: string;
  setVersion(version: number): Promise<number>;
  close(): Promise<number>;
}

async function startSite(): Promise<Site> {
  // Node 20 workers do not inherit `--import tsx` for a .ts entry: register tsx, then import it.
  const entry = JSON.stringify(new URL('./change-site.ts', import.meta.url).href);
  const worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${entry}); })`, {
    eval: true,
    workerData: { changed: [...CHANGED] },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (m: { port: number }) => resolve(m.port));
    worker.once('error', reject);
  });
  const ask = (message: object) =>
    new Promise<number>((resolve) => {
      worker.once('message', (m: { requests: number }) => resolve(m.requests));
      worker.postMessage(message);
    });
  return {
    origin: `http://127.0.0.1:${port}`,
    setVersion: (version) => ask({ version }),
    close: async () => {
      await worker.terminate();
      return 0;
    },
  };
}

interface PageState {
  monitor: Monitor;
  seen: Set<string>;
  prints: string[];
}

function monitorFor(url: string, i: number): Monitor {
  return {
    id: `mon_bench_${i}`,
    accountId: 'acc_bench',
    type: 'event_stream',
    status: 'active',
    frequency: '1h',
    frequencySeconds: 3600,
    processor: 'lite',
    settings: { query: `Tell me about changes on ${url}` },
    webhook: null,
    metadata: null,
    memoryScopeKey: null,
    output: null,
    createdAt: 0,
    updatedAt: 0,
    lastRunAt: null,
    nextRunAt: null,
  };
}

/** One check of every page through the processor, CONCURRENCY at once; returns the pages with events. */
async function vigilCheck(
  http: OutboundClient,
  parser: SourceParser,
  pages: PageState[],
  first: boolean,
): Promise<{ seconds: number; detected: Set<number>; errors: string[] }> {
  const detected = new Set<number>();
  const errors: string[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < pages.length) {
        const i = next++;
        const state = pages[i];
        const result = await feedWatch.run({
          monitor: state.monitor,
          isFirstExecution: first,
          http,
          parser,
          clock: Date.now,
          signal: AbortSignal.timeout(60_000),
          deadline: Date.now() + 60_000,
          seen: async (keys) => new Set(keys.filter((k) => state.seen.has(k))),
          fingerprints: async () => state.prints,
        });
        for (const key of result.seenKeys) state.seen.add(key);
        state.prints.push(...(result.fingerprints ?? []).map((f) => f.simhash));
        if (result.outcome.kind === 'error') errors.push(result.outcome.message);
        else if (result.outcome.kind === 'events' && result.outcome.events.length > 0) detected.add(i);
      }
    }),
  );
  return { seconds: (performance.now() - start) / 1000, detected, errors };
}

/** urlwatch's job list, configuration (changed URLs only, on stdout) and cache, in a temporary directory. */
function urlwatchFiles(origin: string, dir: string) {
  const urls = join(dir, 'urls.yaml');
  const config = join(dir, 'urlwatch.yaml');
  writeFileSync(urls, Array.from({ length: PAGES }, (_, i) => `name: p${i}\nurl: ${origin}/p/${i}\n`).join('---\n'));
  writeFileSync(
    config,
    [
      'display: {new: false, error: true, unchanged: false, empty-diff: false}',
      'report:',
      '  text: {line_length: 200, details: false, footer: false, minimal: false, separate: false}',
      '  stdout: {enabled: true, color: false}',
      '  html: {diff: unified}',
      '  markdown: {details: false, footer: false, minimal: false, separate: false}',
      '',
    ].join('\n'),
  );
  return ['--urls', urls, '--config', config, '--cache', join(dir, 'cache.db'), '--hooks', join(dir, 'hooks.py')];
}

/** One urlwatch run over every job, timed from spawn to exit; returns the indices of the pages it reports changed. */
async function urlwatchCheck(args: string[], home: string): Promise<{ seconds: number; detected: Set<number>; errors: number }> {
  const start = performance.now();
  const child = spawn('urlwatch', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: home } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const seconds = (performance.now() - start) / 1000;
  if (process.env.BENCH_DEBUG) console.log(out.slice(0, 3000));
  if (code !== 0) throw new Error(`urlwatch exited with ${code}: ${out.slice(0, 2000)}`);
  const detected = new Set([...out.matchAll(/^\d+\. CHANGED: p(\d+)/gm)].map((m) => Number(m[1])));
  const errors = [...out.matchAll(/^\d+\. ERROR: /gm)].length;
  return { seconds, detected, errors };
}

function quality(detected: Set<number>) {
  const hits = [...detected].filter((i) => CHANGED.has(i)).length;
  return { precision: detected.size === 0 ? 0 : hits / detected.size, recall: hits / CHANGED.size, detected: detected.size };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

async function main(): Promise<void> {
  console.log(`bench/change-detection: ${PAGES} pages, ${CHANGED.size} with real changes, concurrency ${CONCURRENCY}; ${machineLine()}`);
  const hasUrlwatch = !SKIP_URLWATCH && spawnSync('urlwatch', ['--version']).status === 0;
  if (!hasUrlwatch && !SKIP_URLWATCH) {
    console.log('urlwatch is not installed: the ratio needs it. Install it with `apt-get install -y urlwatch` (Debian/Ubuntu) and run again.');
  }
  const site = await startSite();
  const dir = tempDir('vigil-bench-change');
  const http = createOutboundClient({ allowNetworks: ['127.0.0.0/8'], userAgent: USER_AGENT, timeoutMs: 15_000 });
  // Parsing off the event loop, as `vigil serve` does (its default settings).
  const parser = createParsePool(loadConfig({}).parse);
  const urls = Array.from({ length: PAGES }, (_, i) => `${site.origin}/p/${i}`);
  const db = SKIP_DB ? undefined : await startDbSide(urls, CONCURRENCY);
  try {
    const pages = urls.map((url, i) => ({ monitor: monitorFor(url, i), seen: new Set<string>(), prints: [] }));
    const args = hasUrlwatch ? urlwatchFiles(site.origin, dir.path) : [];
    const baseline = await vigilCheck(http, parser, pages, true);
    console.log(`baseline: Vigil processor ${baseline.seconds.toFixed(2)} s (${baseline.errors.length} errors)`);
    if (db) console.log(`baseline: Vigil database ${(await db.baseline()).toFixed(2)} s (monitor creation included; ${db.label})`);
    if (hasUrlwatch) console.log(`baseline: urlwatch ${(await urlwatchCheck(args, dir.path)).seconds.toFixed(2)} s`);

    await site.setVersion(1);
    const figures: { label: string; rate: number }[] = [];
    const report = (label: string, seconds: number, detected: Set<number>, note = '') => {
      const q = quality(detected);
      figures.push({ label, rate: PAGES / seconds });
      console.log(
        `${label.padEnd(18)} ${(PAGES / seconds).toFixed(0).padStart(5)} pages/s (${seconds.toFixed(2)} s${note}); detected ${q.detected}: precision ${pct(q.precision)}, recall ${pct(q.recall)}`,
      );
    };
    const vigil = await vigilCheck(http, parser, pages, false);
    if (vigil.errors.length > 0) console.log(`Vigil errors: ${vigil.errors.length}, e.g. ${vigil.errors[0]}`);
    report('Vigil (processor)', vigil.seconds, vigil.detected);
    if (db) {
      const checked = await db.check();
      report('Vigil (database)', checked.seconds, checked.detected, checked.errors ? `, ${checked.errors} errors` : '');
    }
    if (hasUrlwatch) {
      const watch = await urlwatchCheck(args, dir.path);
      report('urlwatch', watch.seconds, watch.detected, `, process start-up included${watch.errors ? `, ${watch.errors} errors` : ''}`);
      const floor = figures.at(-1)!.rate;
      for (const figure of figures.slice(0, -1)) printRate(`${figure.label} / urlwatch throughput`, figure.rate, floor, 'pages/s', 1);
    }
  } finally {
    await db?.close();
    await http.close();
    await parser.close();
    await site.close();
    dir.remove();
  }
}

await main();
