import type { TaskOutput } from '../domain/event.js';
import type { TaskError, TaskMessage, TaskRun, TaskStatus } from '../domain/task.js';
import type { SelectQueryBuilder } from 'kysely';
import type { Db, ListReader, Queryable } from './db.js';
import type { DialectInfo } from './dialect.js';
import { foundExpired, inClaimTransaction, lookForExpired, pickFairly, type ClaimFairness } from './fair-claim.js';
import type { TaskRunRow } from './tables.js';

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

/** The one row → domain mapper for task runs. */
function toTaskRun(row: TaskRunRow): TaskRun {
  return {
    id: row.id,
    accountId: row.account_id,
    status: row.status as TaskStatus,
    processor: row.processor,
    input: JSON.parse(row.input) as TaskRun['input'],
    outputSpec: JSON.parse(row.output_spec) as TaskRun['outputSpec'],
    output: parse(row.output),
    derivedSchema: parse(row.derived_schema),
    error: parse(row.error),
    warnings: JSON.parse(row.warnings) as TaskRun['warnings'],
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    modifiedAt: Number(row.modified_at),
  };
}

/** Inserts a new, queued run. */
export async function insertTaskRun(db: Queryable, run: TaskRun): Promise<void> {
  await db
    .insertInto('task_runs')
    .values({
      id: run.id,
      account_id: run.accountId,
      status: run.status,
      processor: run.processor,
      input: JSON.stringify(run.input),
      output_spec: JSON.stringify(run.outputSpec),
      output: null,
      derived_schema: null,
      error: null,
      warnings: JSON.stringify(run.warnings),
      attempts: 0,
      created_at: run.createdAt,
      modified_at: run.modifiedAt,
    })
    .execute();
}

/** The account's run, if it has one by that id. */
export async function findTaskRun(db: Queryable, accountId: string, id: string): Promise<TaskRun | undefined> {
  const row = await db.selectFrom('task_runs').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
  return row && toTaskRun(row);
}

/** A run just leased; `takenOver` when it was running under an expired lease (its worker died). */
export type ClaimedTaskRun = TaskRun & { takenOver: boolean };

/**
 * Leases a runnable run: first one running under an expired lease (its worker died), else the
 * oldest queued run of the next account in rotation that is under its in-flight cap. Every read is
 * a seek in a partial index of open rows (migration 0007). On PostgreSQL the candidate row is
 * locked with SKIP LOCKED, so processes never claim one run twice.
 */
export async function claimTaskRun(
  db: Db,
  dialect: DialectInfo,
  workerId: string,
  now: number,
  leaseUntil: number,
  fairness: ClaimFairness = { perAccount: Number.MAX_SAFE_INTEGER },
): Promise<ClaimedTaskRun | undefined> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's builder, generic over the table it reads
  const lock = <Q extends SelectQueryBuilder<any, any, { id: string; account_id: string }>>(query: Q) =>
    (dialect.supportsSkipLocked ? query.forUpdate().skipLocked() : query).executeTakeFirst();
  return inClaimTransaction(db, dialect, async (tx) => {
    const look = lookForExpired(fairness, now);
    const expired = look
      ? await lock(
          tx
            .selectFrom('task_runs')
            .select(['id', 'account_id'])
            .where('status', '=', 'running')
            .where('locked_until', '<', now)
            .orderBy('locked_until')
            .limit(1),
        )
      : undefined;
    if (look) foundExpired(fairness, now, expired !== undefined);
    const picked =
      expired ??
      (await pickFairly(
        {
          next: (after) =>
            lock(
              tx
                .selectFrom('task_runs')
                .select(['id', 'account_id'])
                .where('status', '=', 'queued')
                .where('account_id', '>', after)
                .orderBy('account_id')
                .orderBy('created_at')
                .orderBy('id')
                .limit(1),
            ),
          inFlight: (accountId) => countTaskRuns(tx, accountId, 'running', now),
        },
        fairness,
      ));
    if (!picked) return undefined;
    const row = await tx
      .updateTable('task_runs')
      .set((eb) => ({ status: 'running', locked_by: workerId, locked_until: leaseUntil, attempts: eb('attempts', '+', 1), modified_at: now }))
      .where('id', '=', picked.id)
      .where((eb) => eb.or([eb('status', '=', 'queued'), eb('locked_until', '<', now)]))
      .returningAll()
      .executeTakeFirst();
    return row && { ...toTaskRun(row), takenOver: expired !== undefined };
  });
}

/** An account's queued runs, or its running runs under an unexpired lease at `now` (an index range each). */
export async function countTaskRuns(db: Queryable, accountId: string, status: 'queued' | 'running', now: number): Promise<number> {
  let query = db
    .selectFrom('task_runs')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('status', '=', status)
    .where('account_id', '=', accountId);
  if (status === 'running') query = query.where('locked_until', '>=', now);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/** What a run ended with: its output (completed) or its error (failed). */
export type TaskEnd = { status: 'completed'; output: TaskOutput; derivedSchema: Record<string, unknown> | null } | { status: 'failed'; error: TaskError };

/** Records a run's end, if this worker still holds its lease; false otherwise (nothing written). */
export async function finishTaskRun(db: Queryable, id: string, workerId: string, end: TaskEnd, now: number): Promise<boolean> {
  const result = await db
    .updateTable('task_runs')
    .set({
      status: end.status,
      output: end.status === 'completed' ? JSON.stringify(end.output) : null,
      derived_schema: end.status === 'completed' && end.derivedSchema ? JSON.stringify(end.derivedSchema) : null,
      error: end.status === 'failed' ? JSON.stringify(end.error) : null,
      locked_by: null,
      locked_until: null,
      modified_at: now,
    })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Heartbeat: extends the leases this worker still holds among `ids` to `leaseUntil`; returns the ids still held. */
export async function renewTaskRunLeases(db: Queryable, ids: string[], workerId: string, leaseUntil: number): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('task_runs')
    .set({ locked_until: leaseUntil })
    .where('id', 'in', ids)
    .where('locked_by', '=', workerId)
    .where('status', '=', 'running')
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Gives a leased run back to the queue (on shutdown), if this worker still holds it. */
export async function releaseTaskRun(db: Queryable, id: string, workerId: string): Promise<void> {
  await db
    .updateTable('task_runs')
    .set({ status: 'queued', locked_by: null, locked_until: null })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .where('status', '=', 'running')
    .execute();
}

/** Appends a progress message to a run's trace, numbered after the last one (one worker writes a run's trace). */
export async function appendTaskMessage(db: Queryable, runId: string, type: string, message: string, now: number): Promise<void> {
  const last = await db
    .selectFrom('task_run_messages')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('run_id', '=', runId)
    .executeTakeFirst();
  await db
    .insertInto('task_run_messages')
    .values({ run_id: runId, seq: Number(last?.seq ?? 0) + 1, type, message, created_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The query `listTaskMessages` sends: a walk of the primary key (run_id, seq) from the cursor. */
export function taskMessagesQuery(lists: ListReader, runId: string, afterSeq: number) {
  return lists.db.selectFrom('task_run_messages').selectAll().where('run_id', '=', runId).where('seq', '>', afterSeq).orderBy('seq');
}

/** A run's progress messages after `afterSeq`, in order. */
export async function listTaskMessages(lists: ListReader, runId: string, afterSeq = 0): Promise<TaskMessage[]> {
  const rows = await taskMessagesQuery(lists, runId, afterSeq).execute();
  return rows.map((r) => ({ seq: Number(r.seq), type: r.type, message: r.message, createdAt: Number(r.created_at) }));
}
