import type { EvalFile, EvalMonitor, EvalMonitorSettings, EvalMonitorStatus } from '../domain/evaluation.js';
import type { ExpressionBuilder } from 'kysely';
import type { Queryable } from './db.js';
import type { Database } from './tables.js';
import type { EvalMonitorTable } from './evaluation-tables.js';
import { prepared } from './prepared.js';

/** The one row → domain mapper for evaluation monitors. */
function toMonitor(row: EvalMonitorTable): EvalMonitor {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    description: row.description,
    status: row.status as EvalMonitorStatus,
    settings: JSON.parse(row.settings) as EvalMonitorSettings,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** Inserts a new evaluation monitor. */
export async function insertEvalMonitor(db: Queryable, m: EvalMonitor): Promise<void> {
  await db
    .insertInto('eval_monitors')
    .values({
      id: m.id,
      account_id: m.accountId,
      name: m.name,
      description: m.description,
      status: m.status,
      settings: JSON.stringify(m.settings),
      created_at: m.createdAt,
      updated_at: m.updatedAt,
    })
    .execute();
}

/** The account's evaluation monitor, if it has one by that id. */
export async function findEvalMonitor(db: Queryable, accountId: string, id: string): Promise<EvalMonitor | undefined> {
  const row = await db.selectFrom('eval_monitors').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
  return row && toMonitor(row);
}

/** An evaluation monitor by id alone (for the worker, which already holds an evaluation of it). */
export async function findEvalMonitorById(db: Queryable, id: string): Promise<EvalMonitor | undefined> {
  const row = await db.selectFrom('eval_monitors').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toMonitor(row);
}

/** Saves a monitor's changed fields. */
export async function updateEvalMonitor(db: Queryable, m: EvalMonitor): Promise<void> {
  await db
    .updateTable('eval_monitors')
    .set({
      name: m.name,
      description: m.description,
      status: m.status,
      settings: JSON.stringify(m.settings),
      updated_at: m.updatedAt,
    })
    .where('id', '=', m.id)
    .execute();
}

/**
 * Locks a monitor's row until the transaction ends. Appends to one monitor's evaluation log take
 * their positions under this lock, so on PostgreSQL positions commit in order (as events.repository's do).
 */
export async function lockEvalMonitor(db: Queryable, id: string): Promise<void> {
  await lockStatement(db, { id });
}

// The lock: a no-op update of a column no key holds (see events.repository.ts, lockMonitorStatement).
const noOpUpdate = (eb: ExpressionBuilder<Database, 'eval_monitors'>) => ({ updated_at: eb.ref('updated_at') });

const lockStatement = prepared<{ id: string }>(['id'], (db, v) => db.updateTable('eval_monitors').set(noOpUpdate).where('id', '=', v.id));
const lockAndRead = prepared<{ id: string }, EvalMonitorTable>(['id'], (db, v) =>
  db.updateTable('eval_monitors').set(noOpUpdate).where('id', '=', v.id).returningAll(),
);
const lockAndReadOfAccount = prepared<{ id: string; accountId: string }, EvalMonitorTable>(['id', 'accountId'], (db, v) =>
  db.updateTable('eval_monitors').set(noOpUpdate).where('id', '=', v.id).where('account_id', '=', v.accountId).returningAll(),
);

/**
 * Locks a monitor's row (as lockEvalMonitor) and reads it in the same statement; with `accountId`,
 * only that account's monitor. Undefined when there is none. A writer that appends to the log
 * needs the lock anyway, so the read costs no statement of its own.
 */
export async function lockAndReadEvalMonitor(db: Queryable, id: string, accountId?: string): Promise<EvalMonitor | undefined> {
  const { rows } = accountId === undefined ? await lockAndRead(db, { id }) : await lockAndReadOfAccount(db, { id, accountId });
  return rows[0] && toMonitor(rows[0]);
}

/** Stores an uploaded file. */
export async function insertEvalFile(db: Queryable, f: EvalFile): Promise<void> {
  await db
    .insertInto('eval_files')
    .values({
      id: f.id,
      account_id: f.accountId,
      name: f.name,
      size: f.size,
      content_type: f.contentType,
      text: f.text,
      created_at: f.createdAt,
    })
    .execute();
}

/** The account's files among `ids` (those that exist), in the order asked. */
export async function findEvalFiles(db: Queryable, accountId: string, ids: readonly string[]): Promise<EvalFile[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('eval_files')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', 'in', [...ids])
    .execute();
  const byId = new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        accountId: r.account_id,
        name: r.name,
        size: Number(r.size),
        contentType: r.content_type,
        text: r.text,
        createdAt: Number(r.created_at),
      },
    ]),
  );
  return ids.flatMap((id) => byId.get(id) ?? []);
}
