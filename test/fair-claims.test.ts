import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, Kysely, sql } from 'kysely';
import { openStore, type Store } from '../src/store/db.js';
import { openDialect } from '../src/store/dialect.js';
import type { Database } from '../src/store/tables.js';
import { claimExecution, claimExecutions, finishExecution, releaseExecution } from '../src/store/executions.repository.js';
import { claimTaskRun, insertTaskRun } from '../src/store/task-runs.repository.js';
import type { ClaimFairness } from '../src/store/fair-claim.js';
import { apiFailure, startTestVigil, tempDir, testDatabase, type TestDatabase } from './helpers.js';

// Fair shares (issue 11 item 5): one account's backlog waits behind its own work, not everyone's.
// Two accounts on a real store: a busy one whose work is older, and a small one that came later.

const NOW = 10_000_000;
let store: Store;
let database: TestDatabase;
let dir: ReturnType<typeof tempDir>;

async function seedAccount(id: string): Promise<void> {
  await store.db.insertInto('accounts').values({ id, name: id, webhook_secret: 'whsec_x', created_at: 0 }).execute();
}

/**
 * `count` monitors of the account, each with `perMonitor` queued executions (ids `<monitor>_e`, or
 * `_e0`, `_e1`… when there are several), created in order from `from` on.
 */
async function seedExecutions(accountId: string, count: number, from: number, perMonitor = 1): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const monitorId = `${accountId}_m${i}`;
    await store.db
      .insertInto('monitors')
      .values({
        id: monitorId,
        account_id: accountId,
        type: 'event_stream',
        status: 'active',
        frequency: '1h',
        frequency_seconds: 3600,
        processor: 'lite',
        settings: '{}',
        created_at: 0,
        updated_at: 0,
        next_run_at: null,
      })
      .execute();
    for (let n = 0; n < perMonitor; n += 1) {
      await store.db
        .insertInto('executions')
        .values({
          id: perMonitor === 1 ? `${monitorId}_e` : `${monitorId}_e${n}`,
          monitor_id: monitorId,
          account_id: accountId,
          reason: 'trigger',
          scheduled_for: null,
          status: 'queued',
          attempts: 0,
          created_at: from + i * perMonitor + n,
        })
        .execute();
    }
  }
}

describe('fair claims across accounts', () => {
  before(async () => {
    dir = tempDir();
    database = await testDatabase(dir.path);
    store = await openStore(database.url);
    await seedAccount('acct_busy');
    await seedAccount('acct_small');
  });
  after(async () => {
    await store.close();
    await database.drop();
    dir.remove();
  });

  it("serves a later, small account between the busy one's claims, and caps each account's executions in flight", async () => {
    await seedExecutions('acct_busy', 60, 1_000);
    await seedExecutions('acct_small', 5, 5_000);
    const fairness: ClaimFairness = { perAccount: 8 };
    const claimed = [];
    for (;;) {
      const e = await claimExecution(store.db, store.dialect, 'w1', NOW, NOW + 60_000, fairness);
      if (!e) break;
      claimed.push(e);
    }
    const accounts = claimed.map((e) => e.accountId);
    assert.equal(accounts.filter((a) => a === 'acct_busy').length, 8, 'the busy account stops at its cap');
    assert.equal(accounts.filter((a) => a === 'acct_small').length, 5, 'the small account gets all its work');
    assert.ok(accounts.slice(0, 10).filter((a) => a === 'acct_small').length === 5, `claims alternate: ${accounts.join(' ')}`);
    assert.ok(claimed.every((e) => e.startedAt === NOW && !e.takenOver));

    // A finished execution frees a slot of its own account's share.
    const first = claimed.find((e) => e.accountId === 'acct_busy')!;
    assert.equal(await finishExecution(store.db, first, 'w1', 'completion', NOW), true);
    const next = await claimExecution(store.db, store.dialect, 'w1', NOW, NOW + 60_000, fairness);
    assert.equal(next?.accountId, 'acct_busy');
    assert.equal(await claimExecution(store.db, store.dialect, 'w1', NOW, NOW + 60_000, fairness), undefined);

    // Leases that expired (their worker died) no longer count against the cap, and are taken over first.
    const later = NOW + 120_000;
    const takeover = await claimExecution(store.db, store.dialect, 'w2', later, later + 60_000, fairness);
    assert.equal(takeover?.takenOver, true);
    assert.equal(takeover?.attempts, 2);
  });

  it('reads only open work: every statement of a claim is an index seek, with no scan or sort of the history', async () => {
    const { dialect, info } = openDialect(database.url, () => {});
    const sent: CompiledQuery[] = [];
    const logged = new Kysely<Database>({
      dialect,
      log: (e) => {
        if (e.level === 'query') sent.push(e.query);
      },
    });
    try {
      const now = NOW + 30_000; // no lease has expired yet: the claim goes on to the queue
      const claimed = await claimExecution(logged, info, 'w3', now, now + 60_000, { perAccount: 100 });
      if (claimed) await releaseExecution(logged, claimed, 'w3');
      const selects = sent.filter((q) => /^\s*select/i.test(q.sql));
      await logged.transaction().execute(async (tx) => {
        if (info.queueClaimSettings) await sql.raw(info.queueClaimSettings).execute(tx);
        for (const q of selects) {
          const prefix = info.name === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
          const rows = (await tx.executeQuery(CompiledQuery.raw(prefix + q.sql, [...q.parameters]))).rows as Record<string, unknown>[];
          const plan = rows.map((r) => String(r.detail ?? r['QUERY PLAN'])).join('\n');
          assert.doesNotMatch(plan, /^\s*SCAN executions|TEMP B-TREE|Seq Scan on executions|Sort/m, `${q.sql}\n${plan}`);
          assert.match(plan, /executions_(queued|leased|running_by_account)/, `${q.sql}\n${plan}`);
        }
      });
      assert.ok(claimed);
      assert.ok(selects.length >= 3, 'takeover, next queued, account load');
    } finally {
      await logged.destroy();
    }
  });

  it('claims a batch in one go with the same rotation and caps, and never two executions of one monitor', async () => {
    await seedAccount('acct_batch_a');
    await seedAccount('acct_batch_b');
    // Distinct ids from the first test's rows, all older than them: the batch sees these first. Two
    // queued executions of each monitor (a trigger beside a scheduled run): one may run at a time.
    await seedExecutions('acct_batch_a', 10, 100, 2);
    await seedExecutions('acct_batch_b', 3, 100, 2);
    const now = NOW + 200_000;
    const fairness: ClaimFairness = { perAccount: 4, after: 'acct_batch' };
    const batch = await claimExecutions(store.db, store.dialect, { workerId: 'w9', now, leaseUntil: now + 60_000, max: 64 }, fairness);
    const mine = batch.filter((e) => e.accountId.startsWith('acct_batch'));
    const monitors = mine.map((e) => e.monitorId);
    assert.equal(new Set(monitors).size, monitors.length, `one execution per monitor: ${monitors.join(' ')}`);
    assert.equal(mine.filter((e) => e.accountId === 'acct_batch_a').length, 4, 'the busy account stops at its cap');
    assert.equal(mine.filter((e) => e.accountId === 'acct_batch_b').length, 3, 'the small account gets one run of each monitor');
    assert.deepEqual(
      mine
        .slice(0, 6)
        .map((e) => e.accountId.slice(-1))
        .join(''),
      'ababab',
      'picks alternate between the accounts',
    );
    assert.ok(mine.every((e) => e.status === 'running' && e.startedAt === now && e.attempts === 1));
    const again = await claimExecutions(store.db, store.dialect, { workerId: 'w9', now, leaseUntil: now + 60_000, max: 64 }, fairness);
    assert.deepEqual(
      again.filter((e) => e.accountId.startsWith('acct_batch')),
      [],
      'nothing more is runnable: caps reached, monitors leased',
    );
  });

  it('rotates task runs across accounts under their own cap', async () => {
    const run = (id: string, accountId: string, createdAt: number) =>
      insertTaskRun(store.db, {
        id,
        accountId,
        status: 'queued',
        processor: 'lite',
        input: { input: 'x' } as never,
        outputSpec: {} as never,
        output: null,
        derivedSchema: null,
        error: null,
        warnings: [],
        attempts: 0,
        createdAt,
        modifiedAt: createdAt,
      });
    for (let i = 0; i < 30; i += 1) await run(`trun_busy_${i}`, 'acct_busy', 1_000 + i);
    for (let i = 0; i < 3; i += 1) await run(`trun_small_${i}`, 'acct_small', 5_000 + i);
    const fairness: ClaimFairness = { perAccount: 4 };
    const accounts: string[] = [];
    for (;;) {
      const r = await claimTaskRun(store.db, store.dialect, 'w1', NOW, NOW + 60_000, fairness);
      if (!r) break;
      accounts.push(r.accountId);
    }
    assert.deepEqual(accounts.slice(0, 6).sort(), ['acct_busy', 'acct_busy', 'acct_busy', 'acct_small', 'acct_small', 'acct_small']);
    assert.equal(accounts.length, 7, `4 of the busy account, 3 of the small one: ${accounts.join(' ')}`);
  });
});

describe('queued task runs per account', () => {
  it("refuses a task run beyond the account's queued cap with a 429 naming the limit", async () => {
    const vigil = await startTestVigil({ VIGIL_ROLES: 'api', VIGIL_ACCOUNT_TASK_RUNS_QUEUED: '2' });
    try {
      const body = { input: 'What is on https://example.test/?', processor: 'lite' } as const;
      await vigil.client.taskRun.create(body);
      await vigil.client.taskRun.create(body);
      const refused = await apiFailure(vigil.client.taskRun.create(body));
      assert.equal(refused.status, 429);
      assert.match(refused.message, /2 queued task runs \(VIGIL_ACCOUNT_TASK_RUNS_QUEUED\)/);
      const other = await vigil.other();
      await other.client.taskRun.create(body);
    } finally {
      await vigil.stop();
    }
  });
});
