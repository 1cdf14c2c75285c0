// bench/events-list: throughput of `GET /v1/monitors/:id/events?limit=20` over a large log, as a
// ratio of a bare Fastify route's throughput measured in the same run, with the same loopback load
// generator and concurrency (target ≥ 0.5), plus p50/p99 latency.
//
//   cd /work/main && node --import tsx bench/events-list.ts     (npm run bench:events-list)
//
// Settings (environment): BENCH_EVENTS (1_000_000), BENCH_MONITORS (1000), BENCH_EVENTS_PER_EXECUTION
// (5), BENCH_DURATION seconds (10), BENCH_WARMUP seconds (3), BENCH_CONNECTIONS (50), BENCH_WORKERS
// (autocannon worker threads, 1; 0 = on the server's own thread), BENCH_DIAG (1: time the parts of
// one request in-process; 0 skips).
//
// The floor is a bare Fastify app (no logger, no hooks) whose one GET route answers a copy of a real
// events page, so both sides send the same bytes and the ratio measures what Vigil adds on top of
// HTTP and JSON serialisation: auth, validation, the two queries, parsing and mapping the rows.
// All traffic goes to 127.0.0.1.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { createApiKey } from '../src/accounts.js';
import { toWireEvent } from '../src/api/parallel/monitor-wire.js';
import { loadConfig } from '../src/config.js';
import { startVigil, type Vigil } from '../src/server.js';
import { openStore } from '../src/store/db.js';
import { listEntries } from '../src/store/events.repository.js';
import { findMonitor } from '../src/store/monitors.repository.js';
import {
  envInt, loadSettingsFromEnv, machineLine, printRatio, printResults, runLoad, seconds, startFloor, tempDir,
  type LoadResult,
} from './lib.js';
import { seedEventLog } from './seed.js';

const TARGET_RATIO = 0.5;
const PAGE = 20;

const wanted = envInt('BENCH_EVENTS', 1_000_000, 1);
const monitorCount = envInt('BENCH_MONITORS', 1000, 1);
const perExecution = envInt('BENCH_EVENTS_PER_EXECUTION', 5, 1);
const perMonitor = Math.max(Math.ceil(wanted / monitorCount), PAGE + 1);
const executionsPerMonitor = Math.ceil(perMonitor / perExecution);
const load = loadSettingsFromEnv();
const diagnostics = envInt('BENCH_DIAG', 1, 0) > 0;

const dir = tempDir('vigil-bench-events');
const file = join(dir.path, 'vigil.db');
const databaseUrl = `sqlite:${file}`;
let vigil: Vigil | undefined;
let floor: Awaited<ReturnType<typeof startFloor>> | undefined;
let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  await floor?.close().catch(() => {});
  await vigil?.stop().catch(() => {});
  dir.remove();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { void cleanup().finally(() => process.exit(130)); });
}

async function main(): Promise<number> {
  console.log(`bench/events-list — ${machineLine()}`);
  console.log(`load: ${load.connections} connections, ${load.duration} s per run after a ${load.warmup} s warm-up, `
    + `autocannon ${load.workers > 0 ? `in ${load.workers} worker thread(s)` : 'on the main thread'}`);

  // Schema through Vigil's own migrations, and a key through its own account code.
  const store = await openStore(databaseUrl);
  const { account, key } = await createApiKey(store, 'bench');
  await store.close();

  const started = performance.now();
  const monitorIds = seedEventLog(file, {
    accountId: account.id, monitors: monitorCount, eventsPerMonitor: perMonitor, eventsPerExecution: perExecution,
  });
  const total = monitorIds.length * perMonitor;
  console.log(`seeded ${total.toLocaleString('en-US')} events in ${(monitorIds.length * executionsPerMonitor).toLocaleString('en-US')} `
    + `executions over ${monitorIds.length.toLocaleString('en-US')} monitors in ${seconds(started)} `
    + `(database ${(statSync(file).size / 1e6).toFixed(0)} MB)`);
  printQueryPlan(file, monitorIds[0]);

  vigil = await startVigil(loadConfig({}, {
    databaseUrl, port: 0, host: '127.0.0.1', logLevel: 'silent', roles: { api: true, worker: false },
  }));
  const origin = vigil.url as string;
  const headers = { 'x-api-key': key };
  const paths = monitorIds.map((id) => `/v1/monitors/${id}/events?limit=${PAGE}`);

  // One plain request first: the page must be what the load will fetch.
  const response = await fetch(`${origin}${paths[0]}`, { headers });
  const text = await response.text();
  const page = JSON.parse(text) as { events?: unknown[]; next_cursor?: unknown };
  if (response.status !== 200 || page.events?.length !== PAGE || typeof page.next_cursor !== 'string') {
    console.error(`WARNING: expected 200 with ${PAGE} events and a next_cursor; got ${response.status}: ${text.slice(0, 300)}`);
    return 1;
  }
  console.log(`checked: ${paths[0]} → 200, ${PAGE} events, next_cursor; ${text.length.toLocaleString('en-US')} bytes`);

  if (diagnostics) await timeParts(vigil, account.id, monitorIds);

  floor = await startFloor(page);
  const floorTarget = { title: 'bare Fastify (same body)', origin: floor.origin, path: floor.path };
  const eventsTarget = { title: `GET …/events?limit=${PAGE}`, origin, paths, headers };

  if (load.warmup > 0) {
    for (const target of [floorTarget, eventsTarget]) await runLoad(target, { ...load, duration: load.warmup });
  }
  const results: LoadResult[] = [];
  results.push(await runLoad(floorTarget, load));
  results.push(await runLoad(eventsTarget, load));
  const [bare, events] = results;

  console.log('');
  printResults(results);
  console.log('');
  printRatio(`events-list / bare Fastify`, events, bare, TARGET_RATIO);
  console.log(`cores: ${availableParallelism()}`);

  let failed = false;
  for (const r of results) {
    if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
      console.error(`WARNING: ${r.title}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts `
        + `(status codes ${JSON.stringify(r.statusCodes)}); the figures above are not valid`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/** Prints SQLite's plan for the page query as listEntries sends it. */
function printQueryPlan(path: string, monitorId: string): void {
  const db = new SQLite(path, { readonly: true });
  const sql = 'select * from "events" where "monitor_id" = ? and "kind" != ? order by "seq" desc limit ?';
  const plan = db.prepare(`explain query plan ${sql}`).all(monitorId, 'completion', PAGE + 1) as { detail: string }[];
  console.log(`query plan: ${plan.map((p) => p.detail).join('; ')}`);
  db.close();
}

/**
 * Times, in-process and one call at a time, the parts of one events request: the page query alone
 * (better-sqlite3, no parsing), the monitor lookup and the page through Vigil's repositories
 * (Kysely, JSON.parse of payloads), and mapping plus JSON.stringify of the page.
 */
async function timeParts(v: Vigil, accountId: string, monitorIds: string[]): Promise<void> {
  const iterations = 5000;
  const pick = () => monitorIds[Math.floor(Math.random() * monitorIds.length)];
  const raw = new SQLite(file, { readonly: true });
  const query = raw.prepare('select * from "events" where "monitor_id" = ? and "kind" != ? order by "seq" desc limit ?');
  const time = async (label: string, fn: () => unknown): Promise<void> => {
    for (let i = 0; i < 500; i++) await fn();
    // The best of five slices: other processes on the machine only ever make a slice slower.
    let best = Infinity;
    for (let slice = 0; slice < 5; slice++) {
      const t = performance.now();
      for (let i = 0; i < iterations / 5; i++) await fn();
      best = Math.min(best, ((performance.now() - t) * 1000) / (iterations / 5));
    }
    console.log(`  ${label.padEnd(48)} ${best.toFixed(1).padStart(7)} µs`);
  };
  const db = v.store.db;
  const entries = await listEntries(db, { monitorId: monitorIds[0], limit: PAGE + 1, includeCompletions: false });
  console.log(`in-process cost of the parts of one request (best of 5 × ${iterations / 5} sequential calls):`);
  await time('page query, better-sqlite3 .all()', () => query.all(pick(), 'completion', PAGE + 1));
  await time('page query + JSON.parse payloads (raw)', () => {
    for (const row of query.all(pick(), 'completion', PAGE + 1) as { payload: string }[]) JSON.parse(row.payload);
  });
  await time('findMonitor (Kysely)', () => findMonitor(db, accountId, pick()));
  await time('listEntries (Kysely, parses payloads)', () => listEntries(db, { monitorId: pick(), limit: PAGE + 1, includeCompletions: false }));
  await time('toWireEvent ×20 + JSON.stringify', () => JSON.stringify({ events: entries.slice(0, PAGE).map(toWireEvent), next_cursor: 'x' }));
  raw.close();
}

// Last, so that every constant above is initialised before main() runs.
try {
  process.exitCode = await main();
} finally {
  await cleanup();
}
