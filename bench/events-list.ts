// bench/events-list: throughput of `GET /v1/monitors/:id/events?limit=20` over a large log, as a
// ratio of a bare Fastify route's throughput measured in the same run, with the same loopback load
// generator and concurrency (target ≥ 0.5), plus p50/p99 latency.
//
//   cd /work/main && node --import tsx bench/events-list.ts     (npm run bench:events-list)
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/events-list.ts
//
// Settings (environment): BENCH_EVENTS (1_000_000), BENCH_MONITORS (1000), BENCH_EVENTS_PER_EXECUTION
// (5), BENCH_DURATION seconds (10), BENCH_WARMUP seconds (3), BENCH_CONNECTIONS (50), BENCH_WORKERS
// (autocannon worker threads, 1; 0 = on the server's own thread), BENCH_DIAG (1: time the parts of
// one request in-process; 0 skips), BENCH_DATABASE_URL (a postgres:// URL: run on a fresh database
// created beside it and dropped at the end; a SQLite file in a temporary directory otherwise).
//
// The floor is a bare Fastify app (no logger, no hooks) whose one GET route answers a copy of a real
// events page, so both sides send the same bytes and the ratio measures what Vigil adds on top of
// HTTP and JSON serialisation: auth, validation, the page query and assembling the stored JSON.
// All traffic goes to 127.0.0.1.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { createApiKey } from '../src/accounts.js';
import { loadConfig } from '../src/config.js';
import { startVigil, type Vigil } from '../src/server.js';
import { openStore } from '../src/store/db.js';
import { listEvents } from '../src/store/events.repository.js';
import { findMonitor } from '../src/store/monitors.repository.js';
import {
  envInt, loadSettingsFromEnv, machineLine, openBenchDatabase, printRatio, printResults, runLoad, seconds, startFloor,
  type BenchDatabase, type LoadResult,
} from './lib.js';
import { seedEventLog, seedEventLogPostgres } from './seed.js';

const TARGET_RATIO = 0.5;
const PAGE = 20;

const wanted = envInt('BENCH_EVENTS', 1_000_000, 1);
const monitorCount = envInt('BENCH_MONITORS', 1000, 1);
const perExecution = envInt('BENCH_EVENTS_PER_EXECUTION', 5, 1);
const perMonitor = Math.max(Math.ceil(wanted / monitorCount), PAGE + 1);
const executionsPerMonitor = Math.ceil(perMonitor / perExecution);
const load = loadSettingsFromEnv();
const diagnostics = envInt('BENCH_DIAG', 1, 0) > 0;

/** The page query as listEvents sends it (SQLite placeholders). */
const PAGE_SQL = 'select "seq", "execution_id" as "executionId", "kind", "body" from "events" '
  + 'where "monitor_id" = ? and "account_id" = ? and "kind" != ? order by "seq" desc limit ?';
const pgSql = (text: string) => { let i = 0; return text.replace(/\?/g, () => `$${++i}`); };

let database: BenchDatabase | undefined;
let vigil: Vigil | undefined;
let floor: Awaited<ReturnType<typeof startFloor>> | undefined;
let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  await floor?.close().catch(() => {});
  await vigil?.stop().catch(() => {});
  await database?.remove().catch((err) => console.error(`could not remove the bench database: ${String(err)}`));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { void cleanup().finally(() => process.exit(130)); });
}

async function main(): Promise<number> {
  console.log(`bench/events-list — ${machineLine()}`);
  console.log(`load: ${load.connections} connections, ${load.duration} s per run after a ${load.warmup} s warm-up, `
    + `autocannon ${load.workers > 0 ? `in ${load.workers} worker thread(s)` : 'on the main thread'}`);

  database = await openBenchDatabase('vigil_bench_events');
  const databaseUrl = database.url;
  console.log(`database: ${database.label}`);
  // Schema through Vigil's own migrations, and a key through its own account code.
  const store = await openStore(databaseUrl);
  const { account, key } = await createApiKey(store, 'bench');
  await store.close();

  const started = performance.now();
  const shape = { accountId: account.id, monitors: monitorCount, eventsPerMonitor: perMonitor, eventsPerExecution: perExecution };
  const monitorIds = database.sqliteFile ? seedEventLog(database.sqliteFile, shape) : await seedEventLogPostgres(databaseUrl, shape);
  const total = monitorIds.length * perMonitor;
  console.log(`seeded ${total.toLocaleString('en-US')} events in ${(monitorIds.length * executionsPerMonitor).toLocaleString('en-US')} `
    + `executions over ${monitorIds.length.toLocaleString('en-US')} monitors in ${seconds(started)} `
    + `(database ${(await databaseBytes(database) / 1e6).toFixed(0)} MB)`);
  await printQueryPlan(database, account.id, monitorIds[0]);

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

  if (diagnostics) await timeParts(vigil, database, account.id, monitorIds);

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
  console.log(`database: ${database.kind}; cores: ${availableParallelism()}`);

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

/** The database's size on disk. */
async function databaseBytes(db: BenchDatabase): Promise<number> {
  if (db.sqliteFile) return statSync(db.sqliteFile).size;
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select pg_database_size(current_database()) as n');
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

/** Prints the database's plan for the page query as listEvents sends it. */
async function printQueryPlan(db: BenchDatabase, accountId: string, monitorId: string): Promise<void> {
  const params = [monitorId, accountId, 'completion', PAGE + 1];
  if (db.sqliteFile) {
    const raw = new SQLite(db.sqliteFile, { readonly: true });
    const plan = raw.prepare(`explain query plan ${PAGE_SQL}`).all(...params) as { detail: string }[];
    console.log(`query plan: ${plan.map((p) => p.detail).join('; ')}`);
    raw.close();
    return;
  }
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${pgSql(PAGE_SQL)}`, params);
    console.log(`query plan:\n${rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n')}`);
  } finally {
    await client.end();
  }
}

/**
 * Times, in-process and one call at a time, the parts of one events request: the page query alone
 * (better-sqlite3 or pg, no Kysely), the monitor lookup and the page through Vigil's repositories
 * (Kysely), and assembling the page from the stored JSON as the route does.
 */
async function timeParts(v: Vigil, db: BenchDatabase, accountId: string, monitorIds: string[]): Promise<void> {
  const iterations = 5000;
  const pick = () => monitorIds[Math.floor(Math.random() * monitorIds.length)];
  const params = () => [pick(), accountId, 'completion', PAGE + 1];
  let raw: (() => Promise<unknown> | unknown) | undefined;
  let close = async () => {};
  if (db.sqliteFile) {
    const sqlite = new SQLite(db.sqliteFile, { readonly: true });
    const query = sqlite.prepare(PAGE_SQL);
    raw = () => query.all(...params());
    close = async () => { sqlite.close(); };
  } else {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const text = pgSql(PAGE_SQL);
    raw = () => client.query({ name: 'bench_page', text, values: params() });
    close = () => client.end();
  }
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
  const kysely = v.store.lists;
  const page = await listEvents(kysely, { accountId, monitorId: monitorIds[0], limit: PAGE + 1, includeCompletions: false });
  console.log(`in-process cost of the parts of one request (best of 5 × ${iterations / 5} sequential calls):`);
  await time(`page query, ${db.kind === 'sqlite' ? 'better-sqlite3 .all()' : 'pg (prepared)'}`, raw);
  await time('findMonitor (Kysely)', () => findMonitor(v.store.db, accountId, pick()));
  await time('listEvents (Kysely)', () => listEvents(kysely, { accountId, monitorId: pick(), limit: PAGE + 1, includeCompletions: false }));
  await time('page assembly from stored JSON', () => `{"events":[${page.slice(0, PAGE).map((e) => e.body).join(',')}],"next_cursor":"x"}`);
  await close();
}

// Last, so that every constant above is initialised before main() runs.
try {
  process.exitCode = await main();
} finally {
  await cleanup();
}
