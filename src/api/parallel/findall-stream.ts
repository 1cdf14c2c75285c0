import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { eventIdOf, findAllRunRecord, isRunActive, type FindAllRun } from '../../domain/findall.js';
import { invalid } from '../../errors.js';
import type { Store } from '../../store/db.js';
import { readFindAllLog } from '../../store/findall-events.repository.js';
import { findFindAllRun } from '../../store/findall-runs.repository.js';
import { openSse } from '../sse.js';

const POLL_MS = 200;
/** `findall.status` is sent as a heartbeat this often while the run is active (api.md §6.5). */
export const HEARTBEAT_MS = 10_000;
const PAGE = 500;

/** The position after which a resumed stream continues: `last_event_id` (query) or `Last-Event-ID` (header); 0 = from the start. */
export function resumeAfter(request: FastifyRequest): number {
  const query = request.query as { last_event_id?: string | null };
  const header = request.headers['last-event-id'];
  const raw = query.last_event_id ?? (typeof header === 'string' ? header : undefined);
  if (raw === undefined || raw === null || raw === '') return 0;
  if (!/^[0-9a-f]{1,13}$/i.test(raw)) throw invalid(['query', 'last_event_id'], 'must be an event_id this stream sent (13 hex digits)');
  return parseInt(raw, 16);
}

/**
 * A run's events over SSE (api.md §6.5): every entry of its log after the resume point, in log
 * order, then new ones as they commit, until the run is no longer active and all is sent, or
 * `timeout` seconds have passed. The run's state is read before each read of the log, so once it
 * says inactive, that read holds the last event. A heartbeat `findall.status` carries the run as
 * it is now and the `event_id` of the last entry sent, so resuming from it loses nothing. No `id:`
 * lines (api.md §1.6): each event carries its `event_id` in its JSON.
 */
export async function streamFindAll(store: Store, run: FindAllRun, after: number, timeoutS: number | null | undefined, reply: FastifyReply): Promise<void> {
  let cursor = after;
  const closeAt = timeoutS === undefined || timeoutS === null ? Number.POSITIVE_INFINITY : Date.now() + timeoutS * 1000;
  const stream = openSse(reply);
  let lastWrite = Date.now();
  try {
    while (!stream.closed.aborted && Date.now() < closeAt) {
      const current = (await findFindAllRun(store.db, run.accountId, run.id)) ?? run;
      const rows = await readFindAllLog(store.db, run.id, cursor, PAGE);
      for (const row of rows) {
        stream.send(row.type, { type: row.type, event_id: eventIdOf(row.seq), timestamp: new Date(row.createdAt).toISOString(), data: JSON.parse(row.body) });
        cursor = row.seq;
        lastWrite = Date.now();
      }
      if (rows.length === PAGE) continue;
      if (!isRunActive(current)) break;
      if (Date.now() - lastWrite >= HEARTBEAT_MS) {
        const data = findAllRunRecord(current);
        stream.send('findall.status', { type: 'findall.status', event_id: eventIdOf(cursor), timestamp: new Date().toISOString(), data });
        lastWrite = Date.now();
      }
      await sleep(Math.min(POLL_MS, Math.max(0, closeAt - Date.now())));
    }
  } finally {
    stream.end();
  }
}
