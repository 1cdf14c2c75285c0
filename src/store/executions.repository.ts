import type { SelectQueryBuilder } from 'kysely';
import type { Db, Queryable } from './db.js';
import { prepared } from './prepared.js';
import type { DialectInfo } from './dialect.js';
import { foundExpired, inClaimTransaction, lookForExpired, pickFairly, type ClaimFairness, type FairQueue } from './fair-claim.js';
import type { ExecutionRow } from './tables.js';
import type { ExecutionReason } from './execution-queue.js';

export type { ExecutionReason } from './execution-queue.js';
export { dropQueuedExecutions, insertExecution, queueScheduledExecutions, type DueSlot } from './execution-queue.js';

/** One run of a monitor (an "event group"), as the engine sees it. */
export interface Execution {
  id: string;
  monitorId: string;
  accountId: string;
  reason: ExecutionReason;
  scheduledFor: number | null;
  status: 'queued' | 'running' | 'done';
  outcome: 'events' | 'completion' | 'error' | null;
  attempts: number;
  createdAt: number;
  /** When the latest attempt started (its lease was taken); null while never started. */
  startedAt: number | null;
  finishedAt: number | null;
}

const toExecution = (row: ExecutionRow): Execution => ({
  id: row.id,
  monitorId: row.monitor_id,
  accountId: row.account_id,
  reason: row.reason as ExecutionReason,
  scheduledFor: row.scheduled_for === null ? null : Number(row.scheduled_for),
  status: row.status as Execution['status'],
  outcome: row.outcome as Execution['outcome'],
  attempts: Number(row.attempts),
  createdAt: Number(row.created_at),
  startedAt: row.started_at === null ? null : Number(row.started_at),
  finishedAt: row.finished_at === null ? null : Number(row.finished_at),
});

/** An execution just leased; `takenOver` when it was running under an expired lease (its worker died). */
export type ClaimedExecution = Execution & { takenOver: boolean };

/** Leases one runnable execution (see claimExecutions); undefined when none is. */
export async function claimExecution(
  db: Db,
  dialect: DialectInfo,
  workerId: string,
  now: number,
  leaseUntil: number,
  fairness: ClaimFairness = { perAccount: Number.MAX_SAFE_INTEGER },
): Promise<ClaimedExecution | undefined> {
  return (await claimExecutions(db, dialect, { workerId, now, leaseUntil, max: 1 }, fairness))[0];
}

/**
 * Leases up to `max` runnable executions in one transaction: first those running under an expired
 * lease (their worker died), then, one at a time, the oldest queued one of the next account in
 * rotation that is under its in-flight cap. Each pick takes its monitor's lease at once, and an
 * execution whose monitor is leased is not runnable, so one monitor's executions never overlap,
 * across processes too: on PostgreSQL the candidate rows are locked (SKIP LOCKED) and the monitor's
 * lease condition is re-checked on the locked row. Every read is a seek in a partial index of open
 * rows (migration 0007), so the claim's cost does not grow with the history; the picked executions
 * are then leased by one statement.
 */
export async function claimExecutions(
  db: Db,
  dialect: DialectInfo,
  q: { workerId: string; now: number; leaseUntil: number; max: number },
  fairness: ClaimFairness = { perAccount: Number.MAX_SAFE_INTEGER },
): Promise<ClaimedExecution[]> {
  const { now, leaseUntil } = q;
  return inClaimTransaction(db, dialect, async (tx) => {
    const picked: Candidate[] = [];
    const takenOver = new Set<string>();
    if (lookForExpired(fairness, now)) {
      const expired = await lockCandidates(
        dialect,
        tx
          .selectFrom('executions as e')
          .innerJoin('monitors as m', 'm.id', 'e.monitor_id')
          .select(['e.id', 'e.monitor_id', 'e.account_id'])
          .where('e.status', '=', 'running')
          .where('e.locked_until', '<', now)
          .where((eb) => eb.or([eb('m.lease_until', 'is', null), eb('m.lease_until', '<', now)]))
          .orderBy('e.locked_until')
          .limit(q.max),
      );
      foundExpired(fairness, now, expired.length > 0);
      for (const candidate of expired) {
        if (!(await leaseMonitor(tx, candidate, leaseUntil, now))) continue;
        picked.push(candidate);
        takenOver.add(candidate.id);
      }
    }
    const queue = queuedExecutions(tx, dialect, now, picked);
    while (picked.length < q.max) {
      const candidate = await pickFairly(queue, fairness);
      // A monitor leased since the locked read (only possible across processes) ends this claim: the pick would repeat.
      if (!candidate || !(await leaseMonitor(tx, candidate, leaseUntil, now))) break;
      picked.push(candidate);
    }
    if (picked.length === 0) return [];
    const rows = await tx
      .updateTable('executions')
      .set((eb) => ({ status: 'running', locked_by: q.workerId, locked_until: leaseUntil, started_at: now, attempts: eb('attempts', '+', 1) }))
      .where(
        'id',
        'in',
        picked.map((c) => c.id),
      )
      .returningAll()
      .execute();
    const order = new Map(picked.map((c, i) => [c.id, i]));
    return rows.map((row) => ({ ...toExecution(row), takenOver: takenOver.has(row.id) })).sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  });
}

type Candidate = { id: string; monitor_id: string; account_id: string };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's builder, generic over the table it reads
async function lockCandidates(dialect: DialectInfo, query: SelectQueryBuilder<any, any, Candidate>): Promise<Candidate[]> {
  return (dialect.supportsSkipLocked ? query.forUpdate().skipLocked() : query).execute();
}

/** Takes the lease of a picked execution's monitor, if no live lease holds it; false when one does. */
async function leaseMonitor(tx: Queryable, candidate: Candidate, leaseUntil: number, now: number): Promise<boolean> {
  const leased = await leaseMonitorStatement(tx, { id: candidate.monitor_id, executionId: candidate.id, leaseUntil, now });
  return Number(leased.numAffectedRows) === 1;
}

const leaseMonitorStatement = prepared<{ id: string; executionId: string; leaseUntil: number; now: number }>(
  ['id', 'executionId', 'leaseUntil', 'now'],
  (db, v) =>
    db
      .updateTable('monitors')
      .set({ running_execution_id: v.executionId, lease_until: v.leaseUntil })
      .where('id', '=', v.id)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', v.now)])),
);

/**
 * The queued executions as a fair queue: the oldest runnable (its monitor not leased) of the first
 * account after one, read in the order of the partial index `executions_queued`; an account's load,
 * read once per claim and counting what the claim has `picked` so far.
 */
function queuedExecutions(tx: Queryable, dialect: DialectInfo, now: number, picked: readonly Candidate[]): FairQueue<Candidate> {
  const running = new Map<string, number>();
  const next = dialect.supportsSkipLocked ? nextQueuedSkipLocked : nextQueued;
  return {
    next: async (after) => (await next(tx, { after, now })).rows[0],
    inFlight: async (accountId) => {
      let n = running.get(accountId);
      if (n === undefined) {
        n = Number((await runningOfAccount(tx, { accountId, now })).rows[0].n);
        running.set(accountId, n);
      }
      // This claim's picks are not running yet (taken over ones ran under expired leases, not counted either).
      return n + picked.filter((c) => c.account_id === accountId).length;
    },
  };
}

// The hot reads of a claim, built and compiled once (each claim of a batch makes one per account it visits).
const nextQueuedQuery = (db: Queryable, v: { after: string; now: number }) =>
  db
    .selectFrom('executions as e')
    .innerJoin('monitors as m', 'm.id', 'e.monitor_id')
    .select(['e.id', 'e.monitor_id', 'e.account_id'])
    .where('e.status', '=', 'queued')
    .where('e.account_id', '>', v.after)
    .where((eb) => eb.or([eb('m.lease_until', 'is', null), eb('m.lease_until', '<', v.now)]))
    .orderBy('e.account_id')
    .orderBy('e.created_at')
    .orderBy('e.id')
    .limit(1);
const nextQueued = prepared<{ after: string; now: number }, Candidate>(['after', 'now'], nextQueuedQuery);
const nextQueuedSkipLocked = prepared<{ after: string; now: number }, Candidate>(['after', 'now'], (db, v) => nextQueuedQuery(db, v).forUpdate().skipLocked());

const runningOfAccount = prepared<{ accountId: string; now: number }, { n: number | string | bigint }>(['accountId', 'now'], (db, v) =>
  db
    .selectFrom('executions')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('status', '=', 'running')
    .where('account_id', '=', v.accountId)
    .where('locked_until', '>=', v.now),
);

/**
 * Marks an execution done with its outcome, frees its monitor's lease and pending mark and sets the
 * monitor's `last_run_at`, if this worker still holds the lease; false otherwise.
 */
export async function finishExecution(
  db: Queryable,
  execution: { id: string; monitorId: string },
  workerId: string,
  outcome: NonNullable<Execution['outcome']>,
  now: number,
): Promise<boolean> {
  const result = await finishStatement(db, { id: execution.id, workerId, outcome, now });
  if (Number(result.numAffectedRows) !== 1) return false;
  await settleMonitorStatement(db, { id: execution.monitorId, executionId: execution.id, now });
  return true;
}

const finishStatement = prepared<{ id: string; workerId: string; outcome: string; now: number }>(['id', 'workerId', 'outcome', 'now'], (db, v) =>
  db
    .updateTable('executions')
    .set({ status: 'done', outcome: v.outcome, finished_at: v.now, locked_by: null, locked_until: null })
    .where('id', '=', v.id)
    .where('locked_by', '=', v.workerId)
    .where('status', '=', 'running'),
);

/**
 * The monitor's side of a finish, in one row update: its lease and its pending mark are cleared if
 * they are this execution's, and `last_run_at` is set. (SET expressions all read the row as it was.)
 */
const settleMonitorStatement = prepared<{ id: string; executionId: string; now: number }>(['id', 'executionId', 'now'], (db, v) =>
  db
    .updateTable('monitors')
    .set((eb) => ({
      running_execution_id: eb.case().when('running_execution_id', '=', v.executionId).then(null).else(eb.ref('running_execution_id')).end(),
      lease_until: eb.case().when('running_execution_id', '=', v.executionId).then(null).else(eb.ref('lease_until')).end(),
      pending_execution_id: eb.case().when('pending_execution_id', '=', v.executionId).then(null).else(eb.ref('pending_execution_id')).end(),
      last_run_at: v.now,
    }))
    .where('id', '=', v.id),
);

async function freeMonitorLease(db: Queryable, execution: { id: string; monitorId: string }): Promise<void> {
  await freeLeaseStatement(db, { id: execution.monitorId, executionId: execution.id });
}

const freeLeaseStatement = prepared<{ id: string; executionId: string }>(['id', 'executionId'], (db, v) =>
  db.updateTable('monitors').set({ running_execution_id: null, lease_until: null }).where('id', '=', v.id).where('running_execution_id', '=', v.executionId),
);

/**
 * Heartbeat: extends the leases this worker still holds among `ids` to `leaseUntil`, and their
 * monitors' leases with them (one monitor runs one execution at a time); returns the ids still held.
 * Executions first, in monitor order, then monitors: the order every claim and (group) commit takes
 * its row locks in, so a heartbeat never deadlocks with this worker's commits on PostgreSQL.
 */
export async function renewExecutionLeases(db: Db, dialect: DialectInfo, ids: string[], workerId: string, leaseUntil: number): Promise<string[]> {
  if (ids.length === 0) return [];
  return db.transaction().execute(async (tx) => {
    const rows = await tx
      .updateTable('executions')
      .set({ locked_until: leaseUntil })
      .where('id', 'in', (eb) => {
        const held = eb
          .selectFrom('executions')
          .select('id')
          .where('id', 'in', ids)
          .where('locked_by', '=', workerId)
          .where('status', '=', 'running')
          .orderBy('monitor_id');
        return dialect.supportsSkipLocked ? held.forUpdate() : held;
      })
      .returning('id')
      .execute();
    const held = rows.map((r) => r.id);
    if (held.length > 0) {
      await tx.updateTable('monitors').set({ lease_until: leaseUntil }).where('running_execution_id', 'in', held).execute();
    }
    return held;
  });
}

/** Gives a leased execution back to the queue (on shutdown), if this worker still holds it. */
export async function releaseExecution(db: Db, execution: { id: string; monitorId: string }, workerId: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const result = await tx
      .updateTable('executions')
      .set({ status: 'queued', locked_by: null, locked_until: null })
      .where('id', '=', execution.id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) await freeMonitorLease(tx, execution);
  });
}

/** An execution of a monitor, by id. */
export async function findExecution(db: Queryable, monitorId: string, id: string): Promise<Execution | undefined> {
  const row = await db.selectFrom('executions').selectAll().where('id', '=', id).where('monitor_id', '=', monitorId).executeTakeFirst();
  return row && toExecution(row);
}

/** Every execution of a monitor, oldest first (for tests and tools). */
export async function listExecutions(db: Queryable, monitorId: string): Promise<Execution[]> {
  const rows = await db.selectFrom('executions').selectAll().where('monitor_id', '=', monitorId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toExecution);
}

/**
 * Deletes a monitor's finished executions beyond the newest `keep`, with their log entries, at most
 * 100 a call: the outcome's transaction that calls it stays short even after retention is lowered.
 */
export async function pruneExecutions(db: Queryable, monitorId: string, keep: number): Promise<number> {
  const { rows } = await beyondRetentionStatement(db, { monitorId, keep });
  if (rows.length === 0) return 0;
  const ids = rows.map((r) => r.id);
  await db.deleteFrom('events').where('execution_id', 'in', ids).execute();
  await db.deleteFrom('executions').where('id', 'in', ids).execute();
  return ids.length;
}

const beyondRetentionStatement = prepared<{ monitorId: string; keep: number }, { id: string }>(['monitorId', 'keep'], (db, v) =>
  db
    .selectFrom('executions')
    .select('id')
    .where('monitor_id', '=', v.monitorId)
    .where('status', '=', 'done')
    .orderBy('finished_at', 'desc')
    .orderBy('id', 'desc')
    .limit(100)
    .offset(v.keep),
);
