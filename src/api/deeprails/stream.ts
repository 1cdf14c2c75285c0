import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EvaluationCommandDeps } from '../../commands/evaluations.js';
import type { EvalMonitor } from '../../domain/evaluation.js';
import { invalid } from '../../errors.js';
import { readEvaluationLog } from '../../store/evaluations.repository.js';
import { openSse } from '../sse.js';

const POLL_MS = 200;
const PING_MS = 15_000;
const PAGE = 500;
/** A stream without `timeout` closes after an hour; clients resume with the last `event_id`. */
const DEFAULT_STREAM_S = 3600;

/** A log position as an event id: 13 hex digits, ordered as the log is (FindAll's ids are 13 hex too). */
export const eventIdOf = (seq: number) => seq.toString(16).padStart(13, '0');

/** The position after which a resumed stream continues: `last_event_id` (query) or `Last-Event-ID` (header). */
function resumeAfter(request: FastifyRequest): number {
  const query = request.query as { last_event_id?: string | null };
  const header = request.headers['last-event-id'];
  const raw = query.last_event_id ?? (typeof header === 'string' ? header : undefined);
  if (raw === undefined || raw === null || raw === '') return 0;
  if (!/^[0-9a-f]{1,13}$/i.test(raw)) throw invalid(['query', 'last_event_id'], 'must be an event_id this stream sent (13 hex digits)');
  return parseInt(raw, 16);
}

/**
 * A monitor's evaluation events over SSE: every entry of its log after the resume point, in log
 * order, then new ones as they commit; `timeout` (seconds) ends it. No `id:` lines are sent (the
 * Python SDKs break on them, api.md §1.6): each event carries its `event_id` in its JSON.
 */
export async function streamEvaluations(deps: EvaluationCommandDeps, monitor: EvalMonitor, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  let after = resumeAfter(request);
  const { timeout } = request.query as { timeout?: number };
  const closeAt = Date.now() + (timeout ?? DEFAULT_STREAM_S) * 1000;
  const stream = openSse(reply);
  let lastWrite = Date.now();
  try {
    while (!stream.closed.aborted && Date.now() < closeAt) {
      const rows = await readEvaluationLog(deps.store.db, monitor.id, after, PAGE);
      for (const row of rows) {
        stream.send(row.type, { type: row.type, event_id: eventIdOf(row.seq), timestamp: new Date(row.createdAt).toISOString(), data: JSON.parse(row.body) });
        after = row.seq;
        lastWrite = Date.now();
      }
      if (rows.length === PAGE) continue;
      if (Date.now() - lastWrite > PING_MS) { stream.ping(); lastWrite = Date.now(); }
      await sleep(Math.min(POLL_MS, Math.max(0, closeAt - Date.now())));
    }
  } finally {
    stream.end();
  }
}
