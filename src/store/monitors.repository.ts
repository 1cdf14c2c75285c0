import type { Monitor } from '../domain/monitor.js';
import type { ListReader, Queryable } from './db.js';
import { listFrom, listKey } from './list-walk.js';
import { prepared } from './prepared.js';
import type { MonitorRow } from './tables.js';

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/** The one row → domain mapper for monitors. */
export function toMonitor(row: MonitorRow): Monitor {
  return {
    id: row.id,
    accountId: row.account_id,
    type: row.type as Monitor['type'],
    status: row.status as Monitor['status'],
    frequency: row.frequency,
    frequencySeconds: Number(row.frequency_seconds),
    processor: row.processor,
    settings: JSON.parse(row.settings) as Monitor['settings'],
    webhook: parse(row.webhook),
    metadata: parse(row.metadata),
    memoryScopeKey: row.memory_scope_key,
    output: parse(row.output),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastRunAt: row.last_run_at === null ? null : Number(row.last_run_at),
    nextRunAt: row.next_run_at === null ? null : Number(row.next_run_at),
    cadence: row.cadence as Monitor['cadence'],
  };
}

/** The columns a monitor's owner may change over its life (not `last_run_at` or its lease). */
function mutableColumns(m: Monitor) {
  return {
    status: m.status,
    frequency: m.frequency,
    frequency_seconds: m.frequencySeconds,
    processor: m.processor,
    settings: JSON.stringify(m.settings),
    webhook: json(m.webhook),
    metadata: json(m.metadata),
    output: json(m.output),
    updated_at: m.updatedAt,
    cadence: m.cadence ?? null,
  };
}

/** Inserts a new monitor. */
export async function insertMonitor(db: Queryable, m: Monitor): Promise<void> {
  await db
    .insertInto('monitors')
    .values({
      ...mutableColumns(m),
      id: m.id,
      account_id: m.accountId,
      type: m.type,
      memory_scope_key: m.memoryScopeKey,
      created_at: m.createdAt,
      last_run_at: m.lastRunAt,
      next_run_at: m.nextRunAt,
    })
    .execute();
}

/**
 * Writes the mutable fields of a monitor back. Its next due time is written only when the caller
 * reschedules (a new frequency, a cancel): otherwise the scheduler owns it, and a stale copy must
 * not move it back.
 */
export async function saveMonitor(db: Queryable, m: Monitor, options: { reschedule?: boolean } = {}): Promise<void> {
  const columns = options.reschedule ? { ...mutableColumns(m), next_run_at: m.nextRunAt } : mutableColumns(m);
  await db.updateTable('monitors').set(columns).where('id', '=', m.id).execute();
}

/** A monitor of an account; another account's monitor is as absent as a missing one. */
export async function findMonitor(db: Queryable, accountId: string, id: string): Promise<Monitor | undefined> {
  const row = await db.selectFrom('monitors').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
  return row && toMonitor(row);
}

/** A monitor by id alone, for background work. */
export async function findMonitorById(db: Queryable, id: string): Promise<Monitor | undefined> {
  const row = (await monitorStatement(db, { id })).rows[0];
  return row && toMonitor(row);
}

// Every execution reads its monitor, and so does every request about one.
const monitorStatement = prepared<{ id: string }, MonitorRow>(['id'], (db, v) => db.selectFrom('monitors').selectAll().where('id', '=', v.id));

/** Position of a monitor in the newest-first listing. */
export interface MonitorPosition {
  createdAt: number;
  id: string;
}

const STATUSES: Monitor['status'][] = ['active', 'cancelled'];
const TYPES: Monitor['type'][] = ['event_stream', 'snapshot'];
const coversAll = (asked: string[], all: string[]) => all.every((value) => asked.includes(value));

/** Which page of an account's monitors. */
export interface MonitorsPage {
  accountId: string;
  statuses: string[];
  types: string[];
  after?: MonitorPosition;
  limit: number;
}

/** One page of an account's monitors, newest first, strictly after `after`. */
export async function listMonitors(lists: ListReader, q: MonitorsPage): Promise<Monitor[]> {
  return (await monitorsPageQuery(lists, q).execute()).map(toMonitor);
}

/**
 * The query `listMonitors` sends: one status walks `monitors_by_account_status`, every status
 * `monitors_by_account`, from the cursor on. A filter that asks for every value is left out, so it
 * never hides the index order; a type filter is checked along the walk.
 */
export function monitorsPageQuery(lists: ListReader, q: MonitorsPage) {
  const everyStatus = coversAll(q.statuses, STATUSES);
  const from = listFrom(lists, 'monitors', everyStatus ? 'monitors_by_account' : 'monitors_by_account_status');
  let query = lists.db.selectFrom(from).selectAll().where('account_id', '=', q.accountId);
  if (!everyStatus) {
    const statuses = [...new Set(q.statuses)];
    query = statuses.length === 1 ? query.where('status', '=', statuses[0]) : query.where('status', 'in', statuses);
  }
  if (!coversAll(q.types, TYPES)) query = query.where('type', 'in', q.types);
  if (q.after) {
    const { createdAt, id } = q.after;
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit);
}

/** Which part of the legacy listing by id. */
export interface MonitorsById {
  accountId: string;
  fromId?: string;
  limit?: number;
}

/**
 * An account's monitors of every status in lexicographic order of id, from `fromId` on
 * (inclusive, as the legacy list's `monitor_id` parameter means); all of them when no limit is given.
 */
export async function listMonitorsById(lists: ListReader, q: MonitorsById): Promise<Monitor[]> {
  return (await monitorsByIdQuery(lists, q).execute()).map(toMonitor);
}

/** The query `listMonitorsById` sends: a walk of `monitors_by_account_id` from `fromId`. */
export function monitorsByIdQuery(lists: ListReader, q: MonitorsById) {
  let query = lists.db
    .selectFrom(listFrom(lists, 'monitors', 'monitors_by_account_id'))
    .selectAll()
    .where(listKey(lists.dialect, 'account_id', q.accountId));
  if (q.fromId !== undefined) query = query.where('id', '>=', q.fromId);
  query = query.orderBy('account_id').orderBy('id');
  return q.limit === undefined ? query : query.limit(q.limit);
}

/** Saves a monitor's output (a snapshot monitor's latest snapshot); `last_run_at` is set by finishExecution. */
export async function saveMonitorOutput(db: Queryable, id: string, output: Monitor['output']): Promise<void> {
  await db
    .updateTable('monitors')
    .set({ output: json(output) })
    .where('id', '=', id)
    .execute();
}

/** A monitor whose schedule slot is due: what queueing the slot needs, and no more. */
export interface DueMonitor {
  id: string;
  accountId: string;
  frequencySeconds: number;
  nextRunAt: number;
}

/** Active monitors whose next scheduled execution is due at `now` and that have none pending (it coalesces). */
export async function findDueMonitors(db: Queryable, now: number, limit: number): Promise<DueMonitor[]> {
  const { rows } = await dueStatement(db, { now, limit });
  return rows.map((r) => ({ id: r.id, accountId: r.account_id, frequencySeconds: Number(r.frequency_seconds), nextRunAt: Number(r.next_run_at) }));
}

const dueStatement = prepared<{ now: number; limit: number }, Pick<MonitorRow, 'id' | 'account_id' | 'frequency_seconds' | 'next_run_at'>>(
  ['now', 'limit'],
  (db, v) =>
    db
      .selectFrom('monitors')
      .select(['id', 'account_id', 'frequency_seconds', 'next_run_at'])
      .where('next_run_at', '<=', v.now)
      .where('pending_execution_id', 'is', null)
      .where('status', '=', 'active')
      .orderBy('next_run_at')
      .limit(v.limit),
);
