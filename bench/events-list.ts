// bench/events-list: throughput of `GET /v1/monitors/:id/events` (first pages and deep pages by
// cursor, at 16 and 64 connections), each as a ratio of a floor measured in the same run with the
// same loopback load generator: a bare Fastify route that reads the same rows from the same database
// with a prepared statement and sends the stored JSON strings. Targets: ≥ 0.7 on SQLite, ≥ 0.5 on
// PostgreSQL.
//
//   node --import tsx bench/events-list.ts                         (npm run bench:events-list)
//   BENCH_CASE=busy node --import tsx bench/events-list.ts
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/events-list.ts
//
// Cases (BENCH_CASE):
// - `spread` (default): 1,000,000 events over 1,000 monitors, 5 per execution, pages of 20, statistics gathered.
// - `busy` (issue 20): one monitor with 100,000 events, 1,000 per execution, pages of 100, and on
//   PostgreSQL statistics never gathered, as after a burst of executions that autovacuum has not yet
//   analysed. The log is written by the same generator as `spread` (rows as executions commit them,
//   with real event bodies), not by running 100 executions, which would only make the set-up slower.
// Settings (environment): BENCH_EVENTS, BENCH_MONITORS, BENCH_EVENTS_PER_EXECUTION, BENCH_PAGE (the
// case's values by default), BENCH_CONNECTIONS ("16,64"), BENCH_DURATION seconds per round (10),
// BENCH_ROUNDS (3: floor and Vigil alternate, the best round of each is kept), BENCH_WARMUP seconds (2), BENCH_WORKERS (autocannon worker threads, 1), BENCH_DATABASE_URL (a postgres:// URL:
// a fresh database created beside it and dropped at the end; a SQLite file in a temporary directory
// otherwise). All traffic goes to 127.0.0.1.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';
import { createApiKey } from '../src/accounts.js';
import { encodeCursor } from '../src/domain/wire.js';
import { loadConfig } from '../src/config.js';
import { startVigil, type Vigil } from '../src/server.js';
import { openStore } from '../src/store/db.js';
import {
  envInt,
  loadSettingsFromEnv,
  machineLine,
  openBenchDatabase,
  printRatio,
  printResults,
  runLoad,
  seconds,
  type BenchDatabase,
  type LoadResult,
} from './lib.js';
import { seedEventLog, seedEventLogPostgres } from './seed.js';

const busy = (process.env.BENCH_CASE ?? 'spread') === 'busy';
if (!busy && process.env.BENCH_CASE && process.env.BENCH_CASE !== 'spread') throw new Error('BENCH_CASE must be spread or busy');
const wanted = envInt('BENCH_EVENTS', busy ? 100_000 : 1_000_000, 1);
const monitorCount = envInt('BENCH_MONITORS', busy ? 1 : 1000, 1);
const perExecution = envInt('BENCH_EVENTS_PER_EXECUTION', busy ? 1000 : 5, 1);
const PAGE = envInt('BENCH_PAGE', busy ? 100 : 20, 1);
const perMonitor = Math.max(Math.ceil(wanted / monitorCount), 2 * PAGE + 1);
const load = loadSettingsFromEnv();
const connectionCounts = (process.env.BENCH_CONNECTIONS ?? '16,64').split(',').map((n) => Number(n.trim()));
const warmup = envInt('BENCH_WARMUP', 2, 0);
const rounds = envInt('BENCH_ROUNDS', 3, 1);

/**
 * The floor's read: the page as the shortest SQL says it, prepared once. On PostgreSQL its sessions
 * have sorts and bitmap scans off, so the floor is the best plan whatever the statistics say.
 */
const FLOOR_SQL =
  'select "seq", "body" from "events" where "monitor_id" = ? and "account_id" = ? and "seq" < ? ' + 'and "kind" <> \'completion\' order by "seq" desc limit ?';
const pgSql = (text: string) => {
  let i = 0;
  return text.replace(/\?/g, () => `$${++i}`);
};
const TOP = Number.MAX_SAFE_INTEGER;

let database: BenchDatabase | undefined;
let vigil: Vigil | undefined;
let floor: Floor | undefined;
let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  await floor?.close().catch(() => {});
  await vigil?.stop().catch(() => {});
  await database?.remove().catch((err: unknown) => console.error(`could not remove the bench database: ${String(err)}`));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

interface Floor {
  origin: string;
  close(): Promise<void>;
}

/** The floor: a bare Fastify app (no logger, no hooks, no auth) whose one route reads a page. */
async function startFloor(db: BenchDatabase, accountId: string): Promise<Floor> {
  let read: (monitorId: string, before: number) => Promise<{ seq: number; body: string }[]> | { seq: number; body: string }[];
  let closeDb: () => Promise<void>;
  if (db.sqliteFile) {
    const sqlite = new SQLite(db.sqliteFile, { readonly: true });
    const statement = sqlite.prepare(FLOOR_SQL);
    read = (monitorId, before) => statement.all(monitorId, accountId, before, PAGE + 1) as { seq: number; body: string }[];
    closeDb = async () => {
      sqlite.close();
    };
  } else {
    const pool = new pg.Pool({ connectionString: db.url, max: 10, options: '-c enable_sort=off -c enable_bitmapscan=off' });
    const text = pgSql(FLOOR_SQL);
    read = async (monitorId, before) =>
      (await pool.query<{ seq: string; body: string }>({ name: 'floor_page', text, values: [monitorId, accountId, before, PAGE + 1] })).rows.map((r) => ({
        seq: Number(r.seq),
        body: r.body,
      }));
    closeDb = () => pool.end();
  }
  const app = Fastify();
  app.get<{ Params: { id: string }; Querystring: { before?: string } }>('/floor/:id', async (request, reply) => {
    const id = request.params.id;
    const rows = await read(id, request.query.before ? Number(request.query.before) : TOP);
    const shown = rows.slice(0, PAGE);
    const next = rows.length > PAGE ? JSON.stringify(encodeCursor({ m: id, s: shown[shown.length - 1].seq })) : 'null';
    return reply.type('application/json; charset=utf-8').send(`{"events":[${shown.map((r) => r.body).join(',')}],"next_cursor":${next}}`);
  });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    origin,
    close: async () => {
      await app.close();
      await closeDb();
    },
  };
}

/** Cursor positions deep in the monitors' logs: up to 1,000 seqs at least a page from either end. */
async function deepPositions(db: BenchDatabase, monitorIds: string[]): Promise<{ monitorId: string; seq: number }[]> {
  const sample = monitorIds.slice(0, 200);
  const text = 'select "seq" from "events" where "monitor_id" = ? order by "seq" desc';
  const positions: { monitorId: string; seq: number }[] = [];
  const step = Math.max(1, Math.floor((perMonitor * sample.length) / 1000));
  const take = (monitorId: string, seqs: number[]) => {
    for (let i = PAGE; i < seqs.length - PAGE; i += step) positions.push({ monitorId, seq: seqs[i] });
  };
  if (db.sqliteFile) {
    const sqlite = new SQLite(db.sqliteFile, { readonly: true });
    const statement = sqlite.prepare(text).pluck();
    for (const id of sample) take(id, statement.all(id) as number[]);
    sqlite.close();
  } else {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    for (const id of sample)
      take(
        id,
        (await client.query<{ seq: string }>(pgSql(text), [id])).rows.map((r) => Number(r.seq)),
      );
    await client.end();
  }
  return positions;
}

async function main(): Promise<number> {
  console.log(`bench/events-list, case ${busy ? 'busy' : 'spread'} — ${machineLine()}`);
  database = await openBenchDatabase('vigil_bench_events');
  console.log(`database: ${database.label}`);
  const store = await openStore(database.url);
  const { account, key } = await createApiKey(store, 'bench');
  await store.close();

  const started = performance.now();
  const shape = { accountId: account.id, monitors: monitorCount, eventsPerMonitor: perMonitor, eventsPerExecution: perExecution };
  const monitorIds = database.sqliteFile ? seedEventLog(database.sqliteFile, shape) : await seedEventLogPostgres(database.url, shape, !busy);
  console.log(
    `seeded ${(monitorIds.length * perMonitor).toLocaleString('en-US')} events, ${perExecution} per execution, over ` +
      `${monitorIds.length.toLocaleString('en-US')} monitor(s) in ${seconds(started)}; ${database.sqliteFile ? 'SQLite keeps no statistics' : `statistics ${busy ? 'never gathered' : 'gathered'}`}; pages of ${PAGE}`,
  );

  vigil = await startVigil(loadConfig({}, { databaseUrl: database.url, port: 0, host: '127.0.0.1', logLevel: 'silent', roles: { api: true, worker: false } }));
  floor = await startFloor(database, account.id);
  const headers = { 'x-api-key': key };
  const deep = await deepPositions(database, monitorIds);
  const pages = {
    first: {
      vigil: monitorIds.map((id) => `/v1/monitors/${id}/events?limit=${PAGE}`),
      floor: monitorIds.map((id) => `/floor/${id}`),
    },
    deep: {
      vigil: deep.map((p) => `/v1/monitors/${p.monitorId}/events?limit=${PAGE}&cursor=${encodeCursor({ m: p.monitorId, s: p.seq })}`),
      floor: deep.map((p) => `/floor/${p.monitorId}?before=${p.seq}`),
    },
  };
  if (!(await sameBodies(vigil.url as string, floor.origin, headers, pages.first.vigil[0], pages.first.floor[0]))) return 1;
  if (!(await sameBodies(vigil.url as string, floor.origin, headers, pages.deep.vigil[0], pages.deep.floor[0]))) return 1;

  const target = database.kind === 'sqlite' ? 0.7 : 0.5;
  const all: (LoadResult & { busyMicros: number })[] = [];
  const ratios: string[] = [];
  for (const [page, paths] of Object.entries(pages)) {
    for (const connections of connectionCounts) {
      const settings = { ...load, connections };
      const floorTarget = { title: `floor, ${page} pages, ${connections} conns`, origin: floor.origin, paths: paths.floor };
      const vigilTarget = { title: `Vigil, ${page} pages, ${connections} conns`, origin: vigil.url as string, paths: paths.vigil, headers };
      if (warmup > 0) for (const t of [floorTarget, vigilTarget]) await runLoad(t, { ...settings, duration: warmup });
      // Alternating rounds, the best of each side: other load on the machine only ever slows a round down.
      let [bare, events] = [await busyLoad(floorTarget, settings), await busyLoad(vigilTarget, settings)];
      for (let round = 1; round < rounds; round++) {
        const [b, e] = [await busyLoad(floorTarget, settings), await busyLoad(vigilTarget, settings)];
        if (b.rps > bare.rps) bare = b;
        if (e.rps > events.rps) events = e;
      }
      all.push(bare, events);
      ratios.push(`${page} pages, ${connections} conns`);
      console.log(
        `  ${events.title}: ${events.rps.toFixed(0)} req/s, ${events.busyMicros.toFixed(0)} µs; ` +
          `floor ${bare.rps.toFixed(0)} req/s, ${bare.busyMicros.toFixed(0)} µs (the main thread's CPU time per request)`,
      );
    }
  }
  console.log('');
  printResults(all);
  console.log('');
  for (let i = 0; i < ratios.length; i++) printRatio(`events-list / floor, ${ratios[i]}`, all[2 * i + 1], all[2 * i], target);
  // Less swayed by other load than req/s: what a request costs the one thread both servers share.
  for (let i = 0; i < ratios.length; i++) {
    const [bare, events] = [all[2 * i], all[2 * i + 1]];
    console.log(
      `main-thread CPU per request, floor / events-list, ${ratios[i]}: ${(bare.busyMicros / events.busyMicros).toFixed(3)} (${bare.busyMicros.toFixed(0)} / ${events.busyMicros.toFixed(0)} µs)`,
    );
  }

  const bad = all.filter((r) => r.non2xx > 0 || r.errors > 0 || r.timeouts > 0);
  for (const r of bad) {
    console.error(
      `WARNING: ${r.title}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts ` +
        `(status codes ${JSON.stringify(r.statusCodes)}); the figures above are not valid`,
    );
  }
  return bad.length > 0 ? 1 : 0;
}

/**
 * The main thread's CPU time in µs, where both servers run (the load generator runs in a worker
 * thread, BENCH_WORKERS): on Linux its scheduler's count, which time spent waiting for a core while
 * other work runs does not inflate; elsewhere the event loop's active time, which it does.
 */
function mainThreadMicros(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  } catch {
    return performance.eventLoopUtilization().active * 1000;
  }
}

/** A load run with the main thread's CPU time per request: what a request costs the thread both servers share. */
async function busyLoad(target: Parameters<typeof runLoad>[0], settings: Parameters<typeof runLoad>[1]): Promise<LoadResult & { busyMicros: number }> {
  const before = mainThreadMicros();
  const result = await runLoad(target, settings);
  return { ...result, busyMicros: (mainThreadMicros() - before) / Math.max(1, result.requests) };
}

/** Both sides must send the same bytes for the same page, or the ratio compares different work. */
async function sameBodies(vigilOrigin: string, floorOrigin: string, headers: Record<string, string>, vigilPath: string, floorPath: string): Promise<boolean> {
  const [a, b] = await Promise.all([fetch(`${vigilOrigin}${vigilPath}`, { headers }), fetch(`${floorOrigin}${floorPath}`)]);
  const [ta, tb] = [await a.text(), await b.text()];
  const events = (JSON.parse(ta) as { events?: unknown[] }).events?.length;
  if (a.status !== 200 || ta !== tb || events !== PAGE) {
    console.error(
      `WARNING: ${vigilPath} → ${a.status}, ${events} events; the floor's body ${ta === tb ? 'is the same' : 'differs'}: ${ta.slice(0, 200)} / ${tb.slice(0, 200)}`,
    );
    return false;
  }
  console.log(`checked: ${vigilPath.slice(0, 80)}… → 200, ${PAGE} events, ${ta.length.toLocaleString('en-US')} bytes, the same as the floor's`);
  return true;
}

// Last, so that every constant above is initialised before main() runs.
try {
  process.exitCode = await main();
} finally {
  await cleanup();
}
