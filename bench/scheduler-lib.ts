// Helpers of bench/scheduler: the feed fixture's process, seeding monitors in bulk, the bare-loop floor, start-lag figures.
import { fork } from 'node:child_process';
import { sql } from 'kysely';
import type { LogEntry } from '../src/domain/event.js';
import { ID } from '../src/domain/ids.js';
import { loadConfig } from '../src/config.js';
import { createOutboundClient, type OutboundClient } from '../src/outbound/http.js';
import { createParsePool, type SourceParser } from '../src/research/isolate/parse-pool.js';
import { processorFor } from '../src/research/processors/index.js';
import { openStore, type Db, type Store } from '../src/store/db.js';
import { appendEntries } from '../src/store/events.repository.js';
import { findMonitorById } from '../src/store/monitors.repository.js';
import { findSeenItems, markItemsSeen, recentFingerprints } from '../src/store/seen-items.repository.js';
import { openBenchDatabase } from './lib.js';

/** The n-th percentile of values (ms, rounded); 0 for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
}

/** The feed fixture (bench/feed-fixture.ts) in a process of its own. */
export interface FeedFixture {
  origin: string;
  /** The fixture process's CPU so far (ms). */
  cpuMs(): Promise<number>;
  close(): void;
}

/** Starts the feed fixture with `items` items, answering after `delayMs`. */
export async function startFeed(items: number, delayMs: number): Promise<FeedFixture> {
  const child = fork(new URL('./feed-fixture.ts', import.meta.url).pathname, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_FEED_ITEMS: String(items), BENCH_FEED_DELAY_MS: String(delayMs) },
  });
  const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', resolve));
  return {
    origin: `http://127.0.0.1:${port}`,
    cpuMs: () =>
      new Promise((resolve) => {
        child.once('message', (reply: { cpuMs: number }) => resolve(reply.cpuMs));
        child.send('cpu');
      }),
    close: () => child.disconnect(),
  };
}

/**
 * Seeds `count` event_stream monitors spread over `accounts` accounts, monitor i watching
 * `<origin>/feed/<i>.xml` (distinct URLs, so no response is shared), first due at `firstDue(i)`.
 * One INSERT … SELECT over a recursive series per table, so 100,000 rows take seconds on either store.
 */
export async function seedMonitors(
  url: string,
  o: { count: number; accounts: number; frequencyS: number; origin: string; firstDue: (i: number) => number },
): Promise<void> {
  const store = await openStore(url);
  try {
    const base = o.firstDue(0);
    const spread = o.firstDue(o.count) - base;
    for (let a = 0; a < o.accounts; a += 1) {
      await store.db
        .insertInto('accounts')
        .values({ id: `acct_bench_${a}`, name: `bench-${a}`, webhook_secret: 'whsec_bench', created_at: 0 })
        .execute();
    }
    await sql`WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ${sql.lit(o.count)})
      INSERT INTO monitors (id, account_id, type, status, frequency, frequency_seconds, processor, settings, created_at, updated_at, next_run_at)
      SELECT 'mon_bench_' || i, 'acct_bench_' || (i % ${sql.lit(o.accounts)}), 'event_stream', 'active', ${`${o.frequencyS}s`}, ${sql.lit(o.frequencyS)},
        'lite', '{"query":"${sql.raw(o.origin)}/feed/' || i || '.xml"}', 0, 0, ${sql.lit(base)} + (CAST(i AS BIGINT) * ${sql.lit(spread)}) / ${sql.lit(o.count)}
      FROM s`.execute(store.db);
  } finally {
    await store.close();
  }
}

/** Start lags (started_at − due) of the executions started in [from, to), and how many finished then. */
export async function startLags(db: Db, from: number, to: number): Promise<{ samples: { startedAt: number; lag: number }[]; finished: number }> {
  const rows = await db
    .selectFrom('executions')
    .select(['started_at', 'scheduled_for', 'created_at'])
    .where('started_at', '>=', from)
    .where('started_at', '<', to)
    .where('reason', '=', 'schedule')
    .execute();
  const finished = await db
    .selectFrom('executions')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('finished_at', '>=', from)
    .where('finished_at', '<', to)
    .executeTakeFirstOrThrow();
  return {
    samples: rows.map((r) => ({ startedAt: Number(r.started_at), lag: Number(r.started_at) - Number(r.scheduled_for ?? r.created_at) })),
    finished: Number(finished.n),
  };
}

/** Waits (at most two minutes) until every monitor has finished a run, and says how long that took. */
export async function everyMonitorRan(db: Db, count: number, label: string, began: number): Promise<void> {
  const giveUp = Date.now() + 120_000;
  for (;;) {
    const row = await db
      .selectFrom('monitors')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('last_run_at', 'is not', null)
      .executeTakeFirstOrThrow();
    if (Number(row.n) >= count || Date.now() > giveUp) {
      console.log(
        `${label}: ${Number(row.n).toLocaleString('en-US')} monitors had their first run after ${((Date.now() - began) / 1000).toFixed(1)} s; the window starts now`,
      );
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The floor: CONCURRENCY loops taking the monitors in turn, each running the monitor's processor
 * (fetch and parse) and committing its outcome, seen items and monitor row in one transaction.
 * What Vigil adds on top (schedule, leases, fairness, webhooks, pruning) is what the ratio measures.
 */
export async function runFloor(origin: string, o: { monitors: number; concurrency: number; seconds: number }) {
  const database = await openBenchDatabase('vigil_bench_scheduler_floor');
  await seedMonitors(database.url, { count: o.monitors, accounts: 1, frequencyS: 3600, origin, firstDue: () => Date.now() + 3_600_000 });
  const store = await openStore(database.url);
  const http = createOutboundClient({ allowNetworks: ['127.0.0.0/8'], userAgent: 'vigil-bench', timeoutMs: 15_000 });
  // The same parse workers Vigil uses, so the floor does the same parsing off the event loop.
  const parser = createParsePool(loadConfig({}).parse);
  await parser.ready();
  let next = 0;
  let done = 0;
  const runOnce = floorExecution(store, http, parser);
  // First runs, timed apart: every monitor's first run reports all its feed's items as new, which
  // costs more than the runs that find nothing new. A's figures are taken after Vigil's own first
  // runs; B's executions are all first runs (every monitor is due for the first time).
  const firstCpu0 = process.cpuUsage();
  const firstStarted = performance.now();
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next < o.monitors) await runOnce(`mon_bench_${next++}`);
    }),
  );
  const firstCpu = process.cpuUsage(firstCpu0);
  const firstRuns = {
    rate: o.monitors / ((performance.now() - firstStarted) / 1000),
    cpuMsPerExecution: (firstCpu.user + firstCpu.system) / 1000 / o.monitors,
  };
  next = 0;
  const until = Date.now() + o.seconds * 1000;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (Date.now() < until) {
        await runOnce(`mon_bench_${next++ % o.monitors}`);
        done += 1;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const rate = done / ((performance.now() - started) / 1000);
  await http.close();
  await parser.close();
  await store.close();
  await database.remove();
  return { rate, cpuMsPerExecution: (cpu.user + cpu.system) / 1000 / Math.max(1, done), firstRuns };
}

/** One execution of the floor: the monitor's processor, then its outcome committed in one transaction. */
function floorExecution(store: Store, http: OutboundClient, parser: SourceParser) {
  return async (monitorId: string) => {
    const monitor = (await findMonitorById(store.db, monitorId))!;
    const executionId = ID.execution();
    const result = await processorFor(monitor).run({
      monitor,
      isFirstExecution: false,
      http,
      parser,
      deadline: Date.now() + 60_000,
      clock: Date.now,
      signal: AbortSignal.timeout(60_000),
      seen: (keys) => findSeenItems(store.db, monitor.id, keys),
      fingerprints: () => recentFingerprints(store.db, monitor.id),
    });
    const now = Date.now();
    const base = { monitorId: monitor.id, executionId, createdAt: now };
    const entries: LogEntry[] =
      result.outcome.kind === 'events'
        ? result.outcome.events.map((event) => ({ ...base, id: ID.event(), ...event }))
        : result.outcome.kind === 'error'
          ? [{ ...base, id: ID.error(), kind: 'error', message: result.outcome.message }]
          : [{ ...base, id: ID.completion(), kind: 'completion' }];
    await store.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('executions')
        .values({
          id: executionId,
          monitor_id: monitor.id,
          account_id: monitor.accountId,
          reason: 'schedule',
          scheduled_for: now,
          status: 'done',
          outcome: entries[0]?.kind === 'completion' ? 'completion' : result.outcome.kind,
          attempts: 1,
          created_at: now,
          started_at: now,
          finished_at: now,
        })
        .execute();
      await tx.updateTable('monitors').set({ last_run_at: now }).where('id', '=', monitor.id).execute();
      await appendEntries(tx, monitor.accountId, entries);
      await markItemsSeen(tx, monitor.id, result.seenKeys, now);
    });
  };
}
