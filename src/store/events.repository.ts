import { eventRecord, type LogEntry } from '../domain/event.js';
import type { Queryable } from './db.js';

/** An event as stored: its log position, execution, kind and wire JSON. */
export interface StoredEvent { seq: number; executionId: string; kind: string; body: string }

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
  for (const monitorId of monitorIds) {
    await db.updateTable('monitors').set((eb) => ({ id: eb.ref('id') })).where('id', '=', monitorId).execute();
  }
  await db.insertInto('events').values(entries.map((entry) => ({
    id: entry.id, account_id: accountId, monitor_id: entry.monitorId, execution_id: entry.executionId,
    kind: entry.kind, body: JSON.stringify(eventRecord(entry)), created_at: entry.createdAt,
  }))).execute();
}

const columns = ['seq', 'execution_id as executionId', 'kind', 'body'] as const;

/**
 * A page of an account's monitor's log, newest first, strictly below `beforeSeq`. The hot read of
 * the API: one indexed query whose rows are sent as stored.
 */
export async function listEvents(
  db: Queryable, q: { accountId: string; monitorId: string; beforeSeq?: number; limit: number; includeCompletions: boolean },
): Promise<StoredEvent[]> {
  let query = db.selectFrom('events').select(columns)
    .where('monitor_id', '=', q.monitorId).where('account_id', '=', q.accountId);
  if (q.beforeSeq !== undefined) query = query.where('seq', '<', q.beforeSeq);
  if (!q.includeCompletions) query = query.where('kind', '!=', 'completion');
  return query.orderBy('seq', 'desc').limit(q.limit).execute();
}

/** Every event of one execution of a monitor, newest first. */
export async function listExecutionEvents(
  db: Queryable, q: { monitorId: string; executionId: string; includeCompletions: boolean },
): Promise<StoredEvent[]> {
  let query = db.selectFrom('events').select(columns)
    .where('monitor_id', '=', q.monitorId).where('execution_id', '=', q.executionId);
  if (!q.includeCompletions) query = query.where('kind', '!=', 'completion');
  return query.orderBy('seq', 'desc').execute();
}

/**
 * A monitor's events appended at or after `since`, of its newest `groups` executions that have
 * any, newest first (so a group's events stay together, newest group first).
 */
export async function listRecentEvents(
  db: Queryable, q: { accountId: string; monitorId: string; since: number; groups: number },
): Promise<StoredEvent[]> {
  const recent = db.selectFrom('events').select('execution_id')
    .where('monitor_id', '=', q.monitorId).where('account_id', '=', q.accountId).where('created_at', '>=', q.since)
    .groupBy('execution_id').orderBy((eb) => eb.fn.max('seq'), 'desc').limit(q.groups);
  return db.selectFrom('events').select(columns)
    .where('monitor_id', '=', q.monitorId).where('account_id', '=', q.accountId).where('created_at', '>=', q.since)
    .where('execution_id', 'in', recent)
    .orderBy('seq', 'desc').execute();
}
