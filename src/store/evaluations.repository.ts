import { sql, type Insertable } from 'kysely';
import type { Metric } from '../domain/guardrail-metrics.js';
import type { Evaluation, EvaluationStatus, ModelInput } from '../domain/evaluation.js';
import type { Queryable } from './db.js';
import type { DialectInfo } from './dialect.js';
import type { EvaluationLogTable, EvaluationTable } from './evaluation-tables.js';
import { prepared } from './prepared.js';
import { lockEvalMonitor } from './eval-monitors.repository.js';

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
const num = (v: number | null) => (v === null ? null : Number(v));

/** The one row → domain mapper for evaluations. */
function toEvaluation(row: EvaluationTable): Evaluation {
  return {
    id: row.id,
    monitorId: row.monitor_id,
    accountId: row.account_id,
    status: row.status as EvaluationStatus,
    progress: Number(row.progress),
    runMode: row.run_mode,
    nametag: row.nametag,
    modelInput: JSON.parse(row.model_input) as ModelInput,
    modelOutput: row.model_output,
    guardrailMetrics: JSON.parse(row.guardrail_metrics) as Metric[],
    result: parse(row.result),
    errorMessage: row.error_message,
    evalTime: num(row.eval_time),
    cost: num(row.cost),
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    startedAt: num(row.started_at),
    finishedAt: num(row.finished_at),
  };
}

/** The columns a new evaluation sets (the rest start empty). */
const EVALUATION_COLUMNS = [
  'id',
  'monitor_id',
  'account_id',
  'status',
  'progress',
  'run_mode',
  'nametag',
  'model_input',
  'model_output',
  'guardrail_metrics',
  'created_at',
] as const;

/** One entry of a monitor's evaluation log, as stored. */
export interface LogRow {
  seq: number;
  type: string;
  body: string;
  createdAt: number;
}

/** One entry to append to a monitor's evaluation log. */
export interface LogEntry {
  monitorId: string;
  evaluationId: string;
  type: string;
  body: unknown;
  createdAt: number;
}

/**
 * Appends one entry to a monitor's evaluation log in the caller's transaction. The monitor's row is
 * locked first, so one monitor's entries commit in the order of their positions.
 */
export async function appendEvaluationLog(db: Queryable, entry: LogEntry): Promise<void> {
  await lockEvalMonitor(db, entry.monitorId);
  await insertEvaluationLog(db, [entry]);
}

/**
 * Appends entries, in their order, in one statement. The caller's transaction already holds the
 * lock of each entry's monitor (lockEvalMonitor), which keeps positions committing in order.
 */
export async function insertEvaluationLog(db: Queryable, entries: readonly LogEntry[]): Promise<void> {
  const rows = entries.map((e) => ({
    monitor_id: e.monitorId,
    evaluation_id: e.evaluationId,
    type: e.type,
    body: JSON.stringify(e.body),
    created_at: e.createdAt,
  }));
  if (rows.length === 1) await insertLogRow(db, rows[0]);
  else if (rows.length > 1) await db.insertInto('evaluation_log').values(rows).execute();
}

const LOG_COLUMNS = ['monitor_id', 'evaluation_id', 'type', 'body', 'created_at'] as const;
const insertLogRow = prepared<Insertable<EvaluationLogTable>>(LOG_COLUMNS, (db, row) => db.insertInto('evaluation_log').values(row));

/** A monitor's log entries after position `afterSeq`, oldest first, at most `limit`. */
export async function readEvaluationLog(db: Queryable, monitorId: string, afterSeq: number, limit: number): Promise<LogRow[]> {
  const rows = await db
    .selectFrom('evaluation_log')
    .select(['seq', 'type', 'body', 'created_at'])
    .where('monitor_id', '=', monitorId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), type: r.type, body: r.body, createdAt: Number(r.created_at) }));
}

/** Queues a new evaluation. */
export async function insertEvaluation(db: Queryable, e: Evaluation): Promise<void> {
  await insertEvaluationRow(db, {
    id: e.id,
    monitor_id: e.monitorId,
    account_id: e.accountId,
    status: e.status,
    progress: e.progress,
    run_mode: e.runMode,
    nametag: e.nametag,
    model_input: JSON.stringify(e.modelInput),
    model_output: e.modelOutput,
    guardrail_metrics: JSON.stringify(e.guardrailMetrics),
    created_at: e.createdAt,
  });
}

const insertEvaluationRow = prepared<Pick<EvaluationTable, (typeof EVALUATION_COLUMNS)[number]>>(EVALUATION_COLUMNS, (db, row) =>
  db.insertInto('evaluations').values({
    ...row,
    result: null,
    error_message: null,
    eval_time: null,
    cost: null,
    attempts: 0,
    started_at: null,
    finished_at: null,
  }),
);

/** One evaluation of an account's monitor. */
export async function findEvaluation(db: Queryable, accountId: string, monitorId: string, id: string): Promise<Evaluation | undefined> {
  const row = await db
    .selectFrom('evaluations')
    .selectAll()
    .where('id', '=', id)
    .where('monitor_id', '=', monitorId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return row && toEvaluation(row);
}

/** A monitor's newest evaluations, newest first. */
export async function recentEvaluations(db: Queryable, monitorId: string, limit: number): Promise<Evaluation[]> {
  const rows = await db
    .selectFrom('evaluations')
    .selectAll()
    .where('monitor_id', '=', monitorId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toEvaluation);
}

/** How many of a monitor's evaluations are in each status. */
export async function countEvaluations(db: Queryable, monitorId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('evaluations')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('monitor_id', '=', monitorId)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/**
 * Leases up to `max` of the oldest runnable evaluations, in one statement: queued ones, or ones in
 * progress under an expired lease (their worker died). The pick walks the `evaluations_open`
 * partial index (on PostgreSQL with SKIP LOCKED). Returned oldest first.
 */
export async function claimEvaluations(
  tx: Queryable,
  dialect: DialectInfo,
  q: { workerId: string; now: number; leaseUntil: number; max: number },
): Promise<Evaluation[]> {
  const claim = dialect.supportsSkipLocked ? claimSkippingLocked : claimAlone;
  const { rows } = await claim(tx, q);
  return rows.map(toEvaluation).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

type ClaimValues = { workerId: string; now: number; leaseUntil: number; max: number };

function claimStatement(skipLocked: boolean) {
  return prepared<ClaimValues, EvaluationTable>(['workerId', 'now', 'leaseUntil', 'max'], (db, q) =>
    db
      .updateTable('evaluations')
      .set((eb) => ({
        status: 'in_progress',
        locked_by: q.workerId,
        locked_until: q.leaseUntil,
        attempts: eb('attempts', '+', 1),
        started_at: q.now,
        progress: 0,
      }))
      .where('id', 'in', (eb) => {
        // Rows in progress under a live lease are skipped in index order: at most the work in flight.
        // The index's own condition is written out in literals: SQLite uses a partial index only when
        // the query's text implies its WHERE, and bound parameters never do (it scanned and sorted the table).
        const open = eb
          .selectFrom('evaluations')
          .select('id')
          .where(sql<boolean>`status in ('queued', 'in_progress')`)
          .where((w) => w.or([w('status', '=', 'queued'), w.and([w('status', '=', 'in_progress'), w('locked_until', '<', q.now)])]))
          .orderBy('created_at')
          .orderBy('id')
          .limit(q.max);
        return skipLocked ? open.forUpdate().skipLocked() : open;
      })
      .returningAll(),
  );
}

const claimSkippingLocked = claimStatement(true);
const claimAlone = claimStatement(false);

/** Records progress (0–100) while this worker holds the lease; false when it no longer does. */
export async function markEvaluationProgress(db: Queryable, id: string, workerId: string, progress: number): Promise<boolean> {
  const r = await db
    .updateTable('evaluations')
    .set({ progress })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .where('status', '=', 'in_progress')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** How an evaluation ended. */
export interface EvaluationEnd {
  status: 'completed' | 'failed';
  result: Evaluation['result'];
  errorMessage: string | null;
  evalTime: number;
  cost: number;
}

/** Records an evaluation's end if this worker still holds its lease; false otherwise. */
export async function finishEvaluation(db: Queryable, id: string, workerId: string, end: EvaluationEnd, now: number): Promise<boolean> {
  const r = await finishStatement(db, {
    id,
    workerId,
    status: end.status,
    result: end.result === null ? null : JSON.stringify(end.result),
    errorMessage: end.errorMessage,
    evalTime: end.evalTime,
    cost: end.cost,
    now,
  });
  return Number(r.numAffectedRows) === 1;
}

const finishStatement = prepared<{
  id: string;
  workerId: string;
  status: string;
  result: string | null;
  errorMessage: string | null;
  evalTime: number;
  cost: number;
  now: number;
}>(['id', 'workerId', 'status', 'result', 'errorMessage', 'evalTime', 'cost', 'now'], (db, v) =>
  db
    .updateTable('evaluations')
    .set({
      status: v.status,
      progress: 100,
      result: v.result,
      error_message: v.errorMessage,
      eval_time: v.evalTime,
      cost: v.cost,
      finished_at: v.now,
      locked_by: null,
      locked_until: null,
    })
    .where('id', '=', v.id)
    .where('locked_by', '=', v.workerId)
    .where('status', '=', 'in_progress'),
);

/** Extends the leases this worker still holds among `ids`; returns those ids. */
export async function renewEvaluationLeases(db: Queryable, ids: string[], workerId: string, leaseUntil: number): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('evaluations')
    .set({ locked_until: leaseUntil })
    .where('id', 'in', ids)
    .where('locked_by', '=', workerId)
    .where('status', '=', 'in_progress')
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Gives a leased evaluation back to the queue (on shutdown), if this worker still holds it. */
export async function releaseEvaluation(db: Queryable, id: string, workerId: string): Promise<void> {
  await db
    .updateTable('evaluations')
    .set({ status: 'queued', locked_by: null, locked_until: null, progress: 0 })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .where('status', '=', 'in_progress')
    .execute();
}
