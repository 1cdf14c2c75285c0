import type { DetectedEvent, LogEntry, LogEntryKind } from '../domain/event.js';
import type { Queryable } from './db.js';
import type { EventRow } from './tables.js';

/** A log entry to append: its stable id is minted by the caller, once. */
export type NewLogEntry = { id: string; monitorId: string; executionId: string; createdAt: number } & (
  | DetectedEvent
  | { kind: 'completion' }
  | { kind: 'error'; message: string }
);

function toRow(entry: NewLogEntry) {
  const { id, monitorId, executionId, createdAt, ...rest } = entry;
  const { kind, ...payload } = rest;
  const eventDate = 'eventDate' in rest ? rest.eventDate : null;
  return {
    id, monitor_id: monitorId, execution_id: executionId, kind,
    event_date: eventDate, payload: JSON.stringify(payload), created_at: createdAt,
  };
}

/** The one row → domain mapper for log entries. */
export function toLogEntry(row: EventRow): LogEntry {
  return {
    ...(JSON.parse(row.payload) as object),
    id: row.id,
    seq: Number(row.seq),
    monitorId: row.monitor_id,
    executionId: row.execution_id,
    kind: row.kind as LogEntryKind,
    createdAt: Number(row.created_at),
  } as LogEntry;
}

/** Appends entries to the log in the given order; the caller's transaction makes them atomic. */
export async function appendEntries(db: Queryable, entries: NewLogEntry[]): Promise<void> {
  if (entries.length > 0) await db.insertInto('events').values(entries.map(toRow)).execute();
}

/** A page of a monitor's log, newest first, strictly below `beforeSeq`. */
export async function listEntries(
  db: Queryable, q: { monitorId: string; beforeSeq?: number; limit: number; includeCompletions: boolean },
): Promise<LogEntry[]> {
  let query = db.selectFrom('events').selectAll().where('monitor_id', '=', q.monitorId);
  if (q.beforeSeq !== undefined) query = query.where('seq', '<', q.beforeSeq);
  if (!q.includeCompletions) query = query.where('kind', '!=', 'completion');
  const rows = await query.orderBy('seq', 'desc').limit(q.limit).execute();
  return rows.map(toLogEntry);
}

/** Every entry of one execution of a monitor, newest first. */
export async function listExecutionEntries(
  db: Queryable, q: { monitorId: string; executionId: string; includeCompletions: boolean },
): Promise<LogEntry[]> {
  let query = db.selectFrom('events').selectAll()
    .where('monitor_id', '=', q.monitorId).where('execution_id', '=', q.executionId);
  if (!q.includeCompletions) query = query.where('kind', '!=', 'completion');
  const rows = await query.orderBy('seq', 'desc').execute();
  return rows.map(toLogEntry);
}
