import type { FindAllLogEntry } from '../domain/findall.js';
import type { Queryable } from './db.js';

/**
 * Appends an entry to a run's event log in the caller's transaction.
 *
 * Positions come from a sequence, and on PostgreSQL a transaction that took a lower position may
 * commit after one that took a higher: a stream that had read past the higher one would never see
 * the late one (invariant 3). So, as for monitor events, appends to one run's log are serialised:
 * the run's row is locked (a no-op update, held to commit) before a position is taken. Every writer
 * of a run (worker steps, cancel, extend, enrich) already holds that lock; taking it again is free.
 */
export async function appendFindAllEvent(db: Queryable, runId: string, type: string, body: unknown, now: number): Promise<void> {
  await db
    .updateTable('findall_runs')
    .set((eb) => ({ modified_at: eb.ref('modified_at') })) // a column no key holds (events.repository.ts, lockMonitorStatement)
    .where('id', '=', runId)
    .execute();
  await db
    .insertInto('findall_events')
    .values({ run_id: runId, type, body: JSON.stringify(body), created_at: now })
    .execute();
}

/**
 * A run's log entries after position `afterSeq`, oldest first, at most `limit`: the one read of the
 * event stream (api/parallel/findall-stream.ts), kept in one function so a shared fan-out can take it over.
 */
export async function readFindAllLog(db: Queryable, runId: string, afterSeq: number, limit: number): Promise<FindAllLogEntry[]> {
  const rows = await db
    .selectFrom('findall_events')
    .select(['seq', 'type', 'body', 'created_at'])
    .where('run_id', '=', runId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), type: r.type, body: r.body, createdAt: Number(r.created_at) }));
}

/** The position of a run's newest log entry (0 when it has none): `last_event_id` of a result. */
export async function findLastFindAllSeq(db: Queryable, runId: string): Promise<number> {
  const row = await db
    .selectFrom('findall_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('run_id', '=', runId)
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}
