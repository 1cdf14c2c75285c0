// bench/scheduler, part C: what one claim of an execution costs as the history of finished
// executions grows (10k … 2M rows), with 1,000 queued across 10 accounts, on a store that was just
// bulk-loaded (no ANALYZE: the PostgreSQL plan must not depend on fresh statistics). The plans of
// the claim's statements are printed, captured from the real claim through Kysely's query log.
import { CompiledQuery, Kysely, sql, type QueryResult } from 'kysely';
import { openDialect } from '../src/store/dialect.js';
import { openStore, type Db } from '../src/store/db.js';
import { claimExecution, releaseExecution } from '../src/store/executions.repository.js';
import type { Database } from '../src/store/tables.js';
import { openBenchDatabase } from './lib.js';
import { seedMonitors } from './scheduler-lib.js';

const MONITORS = 1000;
const CLAIMS = 300;

async function addHistory(db: Db, from: number, to: number): Promise<void> {
  // In slices, so PostgreSQL's recursive series stays small in memory.
  for (let start = from; start < to; start += 250_000) {
    const end = Math.min(to, start + 250_000);
    await sql`WITH RECURSIVE s(i) AS (SELECT ${sql.lit(start)} UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ${sql.lit(end)})
      INSERT INTO executions (id, monitor_id, account_id, reason, scheduled_for, status, outcome, attempts, created_at, started_at, finished_at)
      SELECT 'hist_' || i, 'mon_bench_' || (i % ${sql.lit(MONITORS)}), 'acct_bench_' || ((i % ${sql.lit(MONITORS)}) % 10), 'schedule', i, 'done', 'completion', 1, i, i, i
      FROM s`.execute(db);
  }
}

/** Prints ms per claim at each history size, then the claim's plans at the largest. */
export async function claimCosts(sizes: number[]): Promise<void> {
  const database = await openBenchDatabase('vigil_bench_claims');
  const store = await openStore(database.url);
  try {
    await seedMonitors(database.url, { count: MONITORS, accounts: 10, frequencyS: 3600, origin: 'http://127.0.0.1:9', firstDue: () => Date.now() + 3_600_000 });
    await sql`INSERT INTO executions (id, monitor_id, account_id, reason, scheduled_for, status, attempts, created_at)
      SELECT 'q_' || id, id, account_id, 'trigger', NULL, 'queued', 0, 3000000000000 FROM monitors`.execute(store.db);
    let have = 0;
    for (const size of [...sizes].sort((a, b) => a - b)) {
      const seedStart = performance.now();
      await addHistory(store.db, have, size);
      have = size;
      const seeded = ((performance.now() - seedStart) / 1000).toFixed(1);
      const fairness = { perAccount: Number.MAX_SAFE_INTEGER };
      const times: number[] = [];
      // The first 50 warm caches and statement handles; the rest are timed.
      for (let i = 0; i < CLAIMS + 50; i += 1) {
        const now = Date.now();
        const t0 = performance.now();
        const claimed = await claimExecution(store.db, store.dialect, 'bench', now, now + 60_000, fairness);
        if (i >= 50) times.push(performance.now() - t0);
        if (!claimed) throw new Error('nothing claimed: the bench queue is empty');
        await releaseExecution(store.db, claimed, 'bench');
      }
      times.sort((a, b) => a - b);
      const at = (p: number) => times[Math.floor((p / 100) * (times.length - 1))].toFixed(2);
      console.log(
        `C claim with ${size.toLocaleString('en-US')} executions of history: median ${at(50)} ms, p90 ${at(90)} ms (${CLAIMS} claims; history added in ${seeded} s)`,
      );
    }
    await printPlans(database.url, store.dialect.queueClaimSettings);
  } finally {
    await store.close();
    await database.remove();
  }
}

/** Runs one claim through a logging Kysely and prints the plan of each SELECT it sent. */
async function printPlans(url: string, settings: string | null): Promise<void> {
  const { dialect, info } = openDialect(url, () => {});
  const seen: CompiledQuery[] = [];
  const db = new Kysely<Database>({
    dialect,
    log: (event) => {
      if (event.level === 'query') seen.push(event.query);
    },
  });
  try {
    const now = Date.now();
    const claimed = await claimExecution(db, info, 'bench-plan', now, now + 60_000, { perAccount: Number.MAX_SAFE_INTEGER });
    if (claimed) await releaseExecution(db, claimed, 'bench-plan');
    const selects = seen.filter((q) => /^\s*select/i.test(q.sql));
    await db.transaction().execute(async (tx) => {
      if (settings) await sql.raw(settings).execute(tx);
      for (const q of selects) {
        const prefix = info.name === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
        const plan: QueryResult<Record<string, unknown>> = await tx.executeQuery(CompiledQuery.raw(prefix + q.sql, [...q.parameters]));
        console.log(`plan of: ${q.sql.replace(/\s+/g, ' ').slice(0, 160)}…`);
        for (const row of plan.rows) console.log(`    ${String(row.detail ?? row['QUERY PLAN'])}`);
      }
    });
  } finally {
    await db.destroy();
  }
}
