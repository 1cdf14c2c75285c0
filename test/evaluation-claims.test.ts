// Issue 16's throughput: evaluations are claimed in batches (each logged as in progress in the
// claim's own transaction), their claim walks the open-work index, and ends that finish together
// commit in one transaction, where a lost lease drops that item alone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, Kysely } from 'kysely';
import { ensureAccount } from '../src/accounts.js';
import { createEvalMonitor, submitEvaluation, type EvaluationCommandDeps } from '../src/commands/evaluations.js';
import { evaluationWork } from '../src/engine/evaluation-runner.js';
import { createGroupCommitter } from '../src/engine/group-commit.js';
import { openStore, type Store } from '../src/store/db.js';
import { openDialect } from '../src/store/dialect.js';
import { claimEvaluations, readEvaluationLog } from '../src/store/evaluations.repository.js';
import type { Database } from '../src/store/tables.js';
import { tempDir, testDatabase, type TestDatabase } from './helpers.js';

const NOW = 1_800_000_000_000;
const silent = { warn: () => {}, error: () => {}, info: () => {}, debug: () => {} } as never;

describe('evaluation claims and commits', () => {
  const dir = tempDir();
  let database: TestDatabase;
  let store: Store;
  let clock = NOW;
  let deps: EvaluationCommandDeps;
  let accountId: string;

  before(async () => {
    database = await testDatabase(dir.path);
    store = await openStore(database.url);
    deps = { store, clock: () => clock, wake: () => {} };
    accountId = (await ensureAccount(store, 'claims')).id;
  });
  after(async () => {
    await store.close();
    await database.drop();
    dir.remove();
  });

  async function submitted(n: number): Promise<{ monitorId: string; ids: string[] }> {
    const monitor = await createEvalMonitor(deps, accountId, { name: 'claims', guardrail_metrics: ['completeness', 'comprehensive_safety'] } as never);
    const ids: string[] = [];
    for (let i = 0; i < n; i += 1) {
      clock += 1;
      ids.push((await submitEvaluation(deps, accountId, monitor.id, { model_input: { user_prompt: `Name ${i} colour.` }, model_output: 'Blue.' })).id);
    }
    return { monitorId: monitor.id, ids };
  }

  it('one claim leases a batch, oldest first, each logged as in progress with it; live leases are skipped', async () => {
    const { monitorId, ids } = await submitted(5);
    const work = evaluationWork({ store, clock: () => clock, log: silent, workerId: 'w1' });
    const first = await work.claimMany!(clock, clock + 60_000, 3);
    assert.deepEqual(
      first.map((l) => l.evaluation.id),
      ids.slice(0, 3),
    );
    assert.ok(first.every((l) => l.evaluation.status === 'in_progress' && l.evaluation.attempts === 1 && l.monitor?.id === monitorId));
    const rest = await work.claimMany!(clock, clock + 60_000, 10);
    assert.deepEqual(
      rest.map((l) => l.evaluation.id),
      ids.slice(3),
      'fewer than asked: the queue is drained',
    );
    assert.deepEqual(await work.claimMany!(clock, clock + 60_000, 10), []);
    const log = await readEvaluationLog(store.db, monitorId, 0, 100);
    assert.equal(log.filter((e) => e.type === 'evaluation.in_progress').length, 5, 'one in-progress entry per claimed evaluation');
    // Claimed under live leases: nothing more until they expire, then the oldest is taken over.
    const later = clock + 120_000;
    const takeover = await work.claimMany!(later, later + 60_000, 1);
    assert.deepEqual(
      takeover.map((l) => [l.evaluation.id, l.evaluation.attempts]),
      [[ids[0], 2]],
    );
  });

  it('ends that finish together commit in one transaction; a lost lease drops that item alone', async () => {
    const { monitorId, ids } = await submitted(3);
    const work = evaluationWork({ store, clock: () => clock, log: silent, workerId: 'w-group' });
    const leased = await work.claimMany!(clock, clock + 60_000, 3);
    assert.deepEqual(
      leased.map((l) => l.evaluation.id),
      ids,
      "the earlier test's evaluations are under live leases",
    );
    assert.equal(leased.length, 3);
    // Another worker took the middle one over (as after an expired lease).
    await store.db.updateTable('evaluations').set({ locked_by: 'w-other' }).where('id', '=', ids[1]).execute();
    let transactions = 0;
    const db = new Proxy(store.db, {
      get(target, key) {
        if (key === 'transaction') transactions += 1;
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const grouped = createGroupCommitter(work, { store: { ...store, db }, clock: () => clock, log: silent });
    const end = { status: 'completed' as const, result: null, errorMessage: null, evalTime: 0.001, cost: 0 };
    const written = await Promise.all(leased.map((l) => grouped.commit(l, end)));
    assert.deepEqual(written, [0, false, 0]);
    assert.equal(transactions, 1, 'one transaction for the three');
    const rows = await store.db.selectFrom('evaluations').select(['id', 'status', 'locked_by']).where('id', 'in', ids).orderBy('created_at').execute();
    assert.deepEqual(
      rows.map((r) => [r.status, r.locked_by]),
      [
        ['completed', null],
        ['in_progress', 'w-other'],
        ['completed', null],
      ],
    );
    const done = (await readEvaluationLog(store.db, monitorId, 0, 100)).filter((e) => e.type === 'evaluation.completed');
    assert.equal(done.length, 2);
  });

  it('the claim walks the open-work index: no scan or sort of the history (SQLite)', async (t) => {
    if (store.dialect.name !== 'sqlite') {
      t.skip('PostgreSQL plans by statistics; the partial index needs no literal there');
      return;
    }
    const { dialect, info } = openDialect(database.url, () => {});
    const sent: CompiledQuery[] = [];
    const logged = new Kysely<Database>({
      dialect,
      log: (e) => {
        if (e.level === 'query') sent.push(e.query);
      },
    });
    try {
      await logged.transaction().execute((tx) => claimEvaluations(tx, info, { workerId: 'w-plan', now: clock, leaseUntil: clock + 1, max: 8 }));
      const claim = sent.find((q) => /^\s*update "evaluations"/i.test(q.sql));
      assert.ok(claim, 'the claim is one update');
      const rows = (await logged.executeQuery(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${claim.sql}`, [...claim.parameters]))).rows as { detail: string }[];
      const plan = rows.map((r) => r.detail).join('\n');
      assert.doesNotMatch(plan, /^\s*SCAN evaluations\s*$|TEMP B-TREE/m, plan);
      assert.match(plan, /evaluations_open/, plan);
    } finally {
      await logged.destroy();
    }
  });
});
