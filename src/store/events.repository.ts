import type { Insertable } from 'kysely';
import type { LogEntry } from '../domain/event.js';
import { eventRecord } from '../domain/wire.js';
import type { ListReader, Queryable } from './db.js';
import type { DialectInfo } from './dialect.js';
import { prepared } from './prepared.js';
import type { EventTable } from './tables.js';
import { listFrom, listKey, NOT_COMPLETION } from './list-walk.js';

/** An event as stored: its log position, execution, kind and wire JSON. */
export interface StoredEvent {
  seq: number;
  executionId: string;
  kind: string;
  body: string;
}

/**
 * Appends entries to a monitor's log in the given order; the caller's transaction makes them atomic.
 *
 * Positions come from a sequence, and on PostgreSQL a transaction that took a lower position may
 * commit after one that took a higher: a client polling the newest events would then never see
 * the late one. So appends to one monitor's log are serialised: the monitor's row is locked (by a
 * no-op update) before positions are taken, and held until commit. Appends to different monitors
 * do not wait for each other; every cursor is per monitor.
 */
export async function appendEntries(db: Queryable, accountId: string, entries: LogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const monitorIds = [...new Set(entries.map((e) => e.monitorId))].sort();
  for (const monitorId of monitorIds) await lockMonitorStatement(db, { id: monitorId });
  const rows = entries.map((entry) => ({
    id: entry.id,
    account_id: accountId,
    monitor_id: entry.monitorId,
    execution_id: entry.executionId,
    kind: entry.kind,
    body: JSON.stringify(eventRecord(entry)),
    created_at: entry.createdAt,
  }));
  // Most executions append one entry (a completion or an error): that insert is compiled once.
  if (rows.length === 1) await insertOneStatement(db, rows[0]);
  else await db.insertInto('events').values(rows).execute();
}

const insertOneStatement = prepared<Insertable<EventTable>>(['id', 'account_id', 'monitor_id', 'execution_id', 'kind', 'body', 'created_at'], (db, row) =>
  db.insertInto('events').values(row),
);

// A no-op update of a column that no key or index holds: rewriting `id` itself cost SQLite three
// times as much, checking every table whose foreign key refers to monitors.
const lockMonitorStatement = prepared<{ id: string }>(['id'], (db, v) =>
  db
    .updateTable('monitors')
    .set((eb) => ({ last_run_at: eb.ref('last_run_at') }))
    .where('id', '=', v.id),
);

const columns = ['seq', 'execution_id as executionId', 'kind', 'body'] as const;

/**
 * An event of a list page: its position and wire JSON, all a page sends. (Two more columns per row
 * cost the page read about a third more on SQLite: rows are materialised as JS objects.)
 */
export interface PageEvent {
  seq: number;
  body: string;
}

/** Which page of a monitor's log: strictly below `beforeSeq`, newest first. */
export interface EventsPage {
  accountId: string;
  monitorId: string;
  beforeSeq?: number;
  limit: number;
  includeCompletions: boolean;
}

/**
 * A page of an account's monitor's log, newest first, strictly below `beforeSeq`. The hot read of
 * the API: one walk down `events_by_monitor` (or, without completions, `events_by_monitor_reported`)
 * from the cursor, stopping after `limit` rows, whose rows are sent as stored.
 */
export async function listEvents(lists: ListReader, q: EventsPage): Promise<PageEvent[]> {
  const read = pageStatements(lists.dialect)[q.includeCompletions ? 1 : 0];
  // No cursor reads from the top: a bound that every position is below keeps one statement shape.
  const values = { monitorId: q.monitorId, accountId: q.accountId, beforeSeq: q.beforeSeq ?? Number.MAX_SAFE_INTEGER, limit: q.limit };
  return (await read(lists.db, values)).rows;
}

/** The query `listEvents` sends (the plan test explains it). */
export function eventsPageQuery(lists: ListReader, q: EventsPage) {
  const index = q.includeCompletions ? 'events_by_monitor' : 'events_by_monitor_reported';
  let query = lists.db
    .selectFrom(listFrom(lists, 'events', index))
    .select(['seq', 'body'])
    .where(listKey(lists.dialect, 'monitor_id', q.monitorId))
    .where('account_id', '=', q.accountId);
  if (q.beforeSeq !== undefined) query = query.where('seq', '<', q.beforeSeq);
  if (!q.includeCompletions) query = query.where(NOT_COMPLETION);
  return query.orderBy('monitor_id', 'desc').orderBy('seq', 'desc').limit(q.limit);
}

type PageValues = { monitorId: string; accountId: string; beforeSeq: number; limit: number };
const PAGE_VALUES = ['monitorId', 'accountId', 'beforeSeq', 'limit'] as const;
const pageStatementsByDialect = new WeakMap<DialectInfo, ReturnType<typeof pageStatement>[]>();

/**
 * The events page as prepared statements (without and with completions): the hot read of the API,
 * built and compiled once per store rather than on every request. The dialect decides the SQL's
 * shape (a named index, a ranged key), so the statements are kept per dialect.
 */
function pageStatements(dialect: DialectInfo): ReturnType<typeof pageStatement>[] {
  let statements = pageStatementsByDialect.get(dialect);
  if (!statements) {
    statements = [pageStatement(dialect, false), pageStatement(dialect, true)];
    pageStatementsByDialect.set(dialect, statements);
  }
  return statements;
}

function pageStatement(dialect: DialectInfo, includeCompletions: boolean) {
  return prepared<PageValues, PageEvent>(PAGE_VALUES, (db, v) => eventsPageQuery({ db: db, dialect }, { ...v, includeCompletions }));
}

/** Which execution's events. */
export interface ExecutionEvents {
  monitorId: string;
  executionId: string;
  includeCompletions: boolean;
}

/** Every event of one execution of a monitor, newest first: one walk of `events_of_execution`. */
export async function listExecutionEvents(lists: ListReader, q: ExecutionEvents): Promise<StoredEvent[]> {
  return executionEventsQuery(lists, q).execute();
}

/** The query `listExecutionEvents` sends (the plan test explains it). */
export function executionEventsQuery(lists: ListReader, q: ExecutionEvents) {
  // An execution ends in one outcome, so at most one completion is read and dropped here.
  let query = lists.db
    .selectFrom(listFrom(lists, 'events', 'events_of_execution'))
    .select(columns)
    .where(listKey(lists.dialect, 'execution_id', q.executionId))
    .where('monitor_id', '=', q.monitorId);
  if (!q.includeCompletions) query = query.where('kind', '!=', 'completion');
  return query.orderBy('execution_id', 'desc').orderBy('seq', 'desc');
}

/**
 * A monitor's events appended at or after `since`, of its newest `groups` executions that have
 * any, newest first (so a group's events stay together, newest group first).
 */
export async function listRecentEvents(db: Queryable, q: { accountId: string; monitorId: string; since: number; groups: number }): Promise<StoredEvent[]> {
  const recent = db
    .selectFrom('events')
    .select('execution_id')
    .where('monitor_id', '=', q.monitorId)
    .where('account_id', '=', q.accountId)
    .where('created_at', '>=', q.since)
    .groupBy('execution_id')
    .orderBy((eb) => eb.fn.max('seq'), 'desc')
    .limit(q.groups);
  return db
    .selectFrom('events')
    .select(columns)
    .where('monitor_id', '=', q.monitorId)
    .where('account_id', '=', q.accountId)
    .where('created_at', '>=', q.since)
    .where('execution_id', 'in', recent)
    .orderBy('seq', 'desc')
    .execute();
}

/**
 * A monitor's log after position `afterSeq`, oldest first, at most `limit` rows, completions
 * included: what its live stream follows (src/delivery/log-fanout.ts). One walk up
 * `events_by_monitor`. Appends to one monitor's log are serialised (appendEntries), so no lower
 * position can still commit once a higher one is visible: reading past the cursor never skips.
 */
export async function readMonitorLog(lists: ListReader, monitorId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
  return lists.db
    .selectFrom(listFrom(lists, 'events', 'events_by_monitor'))
    .select(columns)
    .where(listKey(lists.dialect, 'monitor_id', monitorId))
    .where('seq', '>', afterSeq)
    .orderBy('monitor_id')
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** The log position of one of a monitor's events, by its `event_id`; undefined when it has no such event (or it was pruned). */
export async function findEventPosition(db: Queryable, monitorId: string, eventId: string): Promise<number | undefined> {
  const row = await db.selectFrom('events').select('seq').where('id', '=', eventId).where('monitor_id', '=', monitorId).executeTakeFirst();
  return row && Number(row.seq);
}
