import type { SelectQueryBuilder } from 'kysely';
import type { Db, Queryable } from './db.js';
import type { DialectInfo } from './dialect.js';
import {
  foundExpired, inClaimTransaction, lookForExpired, pickFairly, type ClaimFairness, type FairQueue,
} from './fair-claim.js';
import type { ExecutionRow } from './tables.js';

export type ExecutionReason = 'create' | 'schedule' | 'trigger';

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

/**
 * Queues an execution; it is run by whichever worker leases it first. A schedule slot is queued at
 * most once. A creation execution becomes its monitor's pending one, so no slot is queued beside it.
 */
export async function insertExecution(
  db: Queryable,
  e: { id: string; monitorId: string; accountId: string; reason: ExecutionReason; scheduledFor: number | null; createdAt: number },
): Promise<void> {
  await db.insertInto('executions').values({
    id: e.id, monitor_id: e.monitorId, account_id: e.accountId, reason: e.reason,
    scheduled_for: e.scheduledFor, status: 'queued', created_at: e.createdAt, attempts: 0,
  }).onConflict((oc) => oc.columns(['monitor_id', 'scheduled_for']).doNothing()).execute();
  if (e.reason === 'create') {
    await db.updateTable('monitors').set({ pending_execution_id: e.id }).where('id', '=', e.monitorId).execute();
  }
}

/**
 * Queues the execution of a due schedule slot and moves the monitor's next due time to `next`, only
 * if the due time is still `slot` (no other scheduler won it) and the monitor has no pending
 * execution: a slot that comes due while one is queued or running is coalesced into it, and the
 * monitor, left due, gets one catch-up execution when it finishes. False when nothing was queued.
 */
export async function queueScheduledExecution(
  db: Queryable, e: { id: string; monitorId: string; accountId: string; slot: number; next: number; createdAt: number },
): Promise<boolean> {
  const won = await db.updateTable('monitors').set({ next_run_at: e.next, pending_execution_id: e.id })
    .where('id', '=', e.monitorId).where('next_run_at', '=', e.slot).where('pending_execution_id', 'is', null)
    .executeTakeFirst();
  if (Number(won.numUpdatedRows) !== 1) return false;
  await insertExecution(db, {
    id: e.id, monitorId: e.monitorId, accountId: e.accountId, reason: 'schedule', scheduledFor: e.slot, createdAt: e.createdAt,
  });
  return true;
}

/** An execution just leased; `takenOver` when it was running under an expired lease (its worker died). */
export type ClaimedExecution = Execution & { takenOver: boolean };

/**
 * Leases a runnable execution: first one running under an expired lease (its worker died), else
 * the oldest queued one of the next account in rotation that is under its in-flight cap. Its
 * monitor's lease is taken in the same transaction, and an execution whose monitor is leased is
 * not runnable, so one monitor's executions never overlap, across processes too: on PostgreSQL the
 * candidate rows are locked (SKIP LOCKED) and the monitor's lease condition is re-checked on the
 * locked row. Every read is a seek in a partial index of open rows (migration 0007), so the
 * claim's cost does not grow with the history.
 */
export async function claimExecution(
  db: Db, dialect: DialectInfo, workerId: string, now: number, leaseUntil: number,
  fairness: ClaimFairness = { perAccount: Number.MAX_SAFE_INTEGER },
): Promise<ClaimedExecution | undefined> {
  return inClaimTransaction(db, dialect, async (tx) => {
    const look = lookForExpired(fairness, now);
    const expired = look ? await lockCandidate(dialect, tx.selectFrom('executions as e')
      .innerJoin('monitors as m', 'm.id', 'e.monitor_id')
      .select(['e.id', 'e.monitor_id', 'e.account_id'])
      .where('e.status', '=', 'running').where('e.locked_until', '<', now)
      .where((eb) => eb.or([eb('m.lease_until', 'is', null), eb('m.lease_until', '<', now)]))
      .orderBy('e.locked_until').limit(1)) : undefined;
    if (look) foundExpired(fairness, now, expired !== undefined);
    const picked = expired ?? await pickFairly(queuedExecutions(tx, dialect, now), fairness);
    if (!picked) return undefined;
    const leased = await tx.updateTable('monitors')
      .set({ running_execution_id: picked.id, lease_until: leaseUntil })
      .where('id', '=', picked.monitor_id)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    if (Number(leased.numUpdatedRows) !== 1) return undefined;
    const row = await tx.updateTable('executions')
      .set((eb) => ({ status: 'running', locked_by: workerId, locked_until: leaseUntil, started_at: now, attempts: eb('attempts', '+', 1) }))
      .where('id', '=', picked.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ...toExecution(row), takenOver: expired !== undefined };
  });
}

type Candidate = { id: string; monitor_id: string; account_id: string };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's builder, generic over the table it reads
async function lockCandidate(dialect: DialectInfo, query: SelectQueryBuilder<any, any, Candidate>): Promise<Candidate | undefined> {
  return (dialect.supportsSkipLocked ? query.forUpdate().skipLocked() : query).executeTakeFirst();
}

/**
 * The queued executions as a fair queue: the oldest runnable (its monitor not leased) of the first
 * account after one, read in the order of the partial index `executions_queued`; an account's load.
 */
function queuedExecutions(tx: Queryable, dialect: DialectInfo, now: number): FairQueue<Candidate> {
  return {
    next: (after) => lockCandidate(dialect, tx.selectFrom('executions as e')
      .innerJoin('monitors as m', 'm.id', 'e.monitor_id')
      .select(['e.id', 'e.monitor_id', 'e.account_id'])
      .where('e.status', '=', 'queued').where('e.account_id', '>', after)
      .where((eb) => eb.or([eb('m.lease_until', 'is', null), eb('m.lease_until', '<', now)]))
      .orderBy('e.account_id').orderBy('e.created_at').orderBy('e.id').limit(1)),
    inFlight: async (accountId) => Number((await tx.selectFrom('executions')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', '=', 'running').where('account_id', '=', accountId).where('locked_until', '>=', now)
      .executeTakeFirstOrThrow()).n),
  };
}

/**
 * Marks an execution done with its outcome and frees its monitor's lease, if this worker still
 * holds it; false otherwise. Freeing the lease updates the monitor row first, which also
 * serialises the log appends of one monitor (see appendEntries).
 */
export async function finishExecution(
  db: Queryable, execution: { id: string; monitorId: string }, workerId: string,
  outcome: NonNullable<Execution['outcome']>, now: number,
): Promise<boolean> {
  const result = await db.updateTable('executions')
    .set({ status: 'done', outcome, finished_at: now, locked_by: null, locked_until: null })
    .where('id', '=', execution.id).where('locked_by', '=', workerId).where('status', '=', 'running')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await freeMonitorLease(db, execution);
  await db.updateTable('monitors').set({ pending_execution_id: null })
    .where('id', '=', execution.monitorId).where('pending_execution_id', '=', execution.id).execute();
  return true;
}

async function freeMonitorLease(db: Queryable, execution: { id: string; monitorId: string }): Promise<void> {
  await db.updateTable('monitors').set({ running_execution_id: null, lease_until: null })
    .where('id', '=', execution.monitorId).where('running_execution_id', '=', execution.id).execute();
}

/**
 * Heartbeat: extends the leases this worker still holds among `ids` to `leaseUntil`, and their
 * monitors' leases with them (one monitor runs one execution at a time); returns the ids still held.
 * Executions first, then monitors: the order every claim and commit takes its row locks in.
 */
export async function renewExecutionLeases(db: Db, ids: string[], workerId: string, leaseUntil: number): Promise<string[]> {
  if (ids.length === 0) return [];
  return db.transaction().execute(async (tx) => {
    const rows = await tx.updateTable('executions').set({ locked_until: leaseUntil })
      .where('id', 'in', ids).where('locked_by', '=', workerId).where('status', '=', 'running')
      .returning('id').execute();
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
    const result = await tx.updateTable('executions').set({ status: 'queued', locked_by: null, locked_until: null })
      .where('id', '=', execution.id).where('locked_by', '=', workerId).where('status', '=', 'running')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) await freeMonitorLease(tx, execution);
  });
}

/** Drops a monitor's queued executions that no worker has started (the monitor was cancelled). */
export async function dropQueuedExecutions(db: Queryable, monitorId: string): Promise<void> {
  await db.deleteFrom('executions').where('monitor_id', '=', monitorId).where('status', '=', 'queued').execute();
  await db.updateTable('monitors').set({ pending_execution_id: null }).where('id', '=', monitorId).execute();
}

/** An execution of a monitor, by id. */
export async function findExecution(db: Queryable, monitorId: string, id: string): Promise<Execution | undefined> {
  const row = await db.selectFrom('executions').selectAll()
    .where('id', '=', id).where('monitor_id', '=', monitorId).executeTakeFirst();
  return row && toExecution(row);
}

/** Every execution of a monitor, oldest first (for tests and tools). */
export async function listExecutions(db: Queryable, monitorId: string): Promise<Execution[]> {
  const rows = await db.selectFrom('executions').selectAll()
    .where('monitor_id', '=', monitorId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toExecution);
}

/**
 * Deletes a monitor's finished executions beyond the newest `keep`, with their log entries, at most
 * 100 a call: the outcome's transaction that calls it stays short even after retention is lowered.
 */
export async function pruneExecutions(db: Queryable, monitorId: string, keep: number): Promise<number> {
  const old = await db.selectFrom('executions').select('id')
    .where('monitor_id', '=', monitorId).where('status', '=', 'done')
    .orderBy('finished_at', 'desc').orderBy('id', 'desc')
    .limit(100).offset(keep).execute();
  if (old.length === 0) return 0;
  const ids = old.map((r) => r.id);
  await db.deleteFrom('events').where('execution_id', 'in', ids).execute();
  await db.deleteFrom('executions').where('id', 'in', ids).execute();
  return ids.length;
}
