import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LogFanout } from '../../delivery/log-fanout.js';
import { findAllLog } from '../../delivery/log-sources.js';
import { isRunActive, type FindAllLogEntry, type FindAllRun } from '../../domain/findall.js';
import { findAllRunRecord, logEventJson } from '../../domain/wire.js';
import { invalid } from '../../errors.js';
import type { Store } from '../../store/db.js';
import { findLastFindAllSeq } from '../../store/findall-events.repository.js';
import { findFindAllRun } from '../../store/findall-runs.repository.js';
import { memoFrames, serveLogStream, type StreamWatch } from '../log-stream.js';
import { sseFrame } from '../sse.js';

/** `findall.status` is sent as a heartbeat this often while the run is active (api.md §6.5). */
export const HEARTBEAT_MS = 10_000;

/** The position after which a resumed stream continues: `last_event_id` (query) or `Last-Event-ID` (header); 0 = from the start. */
export function resumeAfter(request: FastifyRequest): number {
  const query = request.query as { last_event_id?: string | null };
  const header = request.headers['last-event-id'];
  const raw = query.last_event_id ?? (typeof header === 'string' ? header : undefined);
  if (raw === undefined || raw === null || raw === '') return 0;
  if (!/^[0-9a-f]{1,13}$/i.test(raw)) throw invalid(['query', 'last_event_id'], 'must be an event_id this stream sent (13 hex digits)');
  return parseInt(raw, 16);
}

// Rows hold the event's data as appended (JSON text): each is framed once for every subscriber.
const frameOf = memoFrames((row: FindAllLogEntry) => sseFrame(row.type, logEventJson(row.type, row.seq, row.createdAt, row.body)));

/** A `findall.status` entry that says the run is no longer active: the stream may be at its end. */
function saysInactive(row: FindAllLogEntry): boolean {
  return row.type === 'findall.status' && (JSON.parse(row.body) as { status?: { is_active?: boolean } }).status?.is_active === false;
}
const inactiveMemo = new WeakMap<FindAllLogEntry, boolean>();
const mayEnd = (row: FindAllLogEntry): boolean => {
  let known = inactiveMemo.get(row);
  if (known === undefined) {
    known = saysInactive(row);
    inactiveMemo.set(row, known);
  }
  return known;
};

/**
 * The stream's look at its run: the run's state is read before its log's last position, so once the
 * run is inactive and this stream has sent up to that position, everything is sent. While the run
 * is active and the stream idle, a `findall.status` heartbeat carries the run as it is now and the
 * `event_id` of the last entry sent, so resuming from it loses nothing.
 */
function runWatch(store: Store, run: FindAllRun): StreamWatch<FindAllLogEntry> {
  return {
    idleMs: HEARTBEAT_MS,
    mayEnd,
    check: async (position, idle) => {
      const current = (await findFindAllRun(store.db, run.accountId, run.id)) ?? run;
      if (!isRunActive(current)) return { end: (await findLastFindAllSeq(store.db, run.id)) <= position };
      if (!idle) return { end: false };
      const json = logEventJson('findall.status', position, Date.now(), JSON.stringify(findAllRunRecord(current)));
      return { end: false, frame: sseFrame('findall.status', json) };
    },
  };
}

/**
 * A run's events over SSE (api.md §6.5), through the process's shared fan-out: every entry of its
 * log after the resume point, in log order, then new ones as they commit, until the run is no longer
 * active and all is sent, or `timeout` seconds have passed. No `id:` lines (api.md §1.6): each event
 * carries its `event_id` in its JSON.
 */
export async function streamFindAll(
  store: Store,
  fanout: LogFanout,
  run: FindAllRun,
  after: number,
  timeoutS: number | null | undefined,
  reply: FastifyReply,
): Promise<void> {
  await serveLogStream(reply, {
    fanout,
    source: findAllLog(store),
    scope: run.id,
    afterSeq: after,
    frame: frameOf,
    watch: runWatch(store, run),
    // Without `timeout` the stream lasts as long as the run is active (the timer caps it at ~24 days).
    timeoutS: timeoutS ?? Number.POSITIVE_INFINITY,
  });
}
