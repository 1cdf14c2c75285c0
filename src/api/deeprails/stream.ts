import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EvaluationCommandDeps } from '../../commands/evaluations.js';
import type { LogFanout } from '../../delivery/log-fanout.js';
import { evaluationLog } from '../../delivery/log-sources.js';
import type { EvalMonitor } from '../../domain/evaluation.js';
import { invalid } from '../../errors.js';
import type { LogRow } from '../../store/evaluations.repository.js';
import { lastEventIdOf, memoFrames, serveLogStream } from '../log-stream.js';
import { logEventJson } from '../../domain/wire.js';
import { sseFrame } from '../sse.js';

/** The position after which a resumed stream continues: `last_event_id` (query) or `Last-Event-ID` (header). */
function resumeAfter(request: FastifyRequest): number {
  const sent = lastEventIdOf(request);
  if (sent === undefined) return 0;
  const name = sent.via === 'query' ? ['query', 'last_event_id'] : ['header', 'Last-Event-ID'];
  if (!/^[0-9a-f]{1,13}$/i.test(sent.value)) throw invalid(name, 'must be an event_id this stream sent (13 hex digits)');
  return parseInt(sent.value, 16);
}

// The stored body is the entry's JSON already: the envelope is written around it, never re-encoded.
const frameOf = memoFrames((row: LogRow) => sseFrame(row.type, logEventJson(row.type, row.seq, row.createdAt, row.body)));

/**
 * A monitor's evaluation events over SSE: every entry of its log after the resume point, in log
 * order, then new ones as they commit, through the process's shared fan-out; `timeout` (seconds)
 * ends it. No `id:` lines are sent (the Python SDKs break on them, api.md §1.6): each event carries
 * its `event_id` in its JSON.
 */
export async function streamEvaluations(
  deps: EvaluationCommandDeps,
  fanout: LogFanout,
  monitor: EvalMonitor,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const afterSeq = resumeAfter(request);
  const { timeout } = request.query as { timeout?: number };
  await serveLogStream(reply, { fanout, source: evaluationLog(deps.store), scope: monitor.id, afterSeq, frame: frameOf, timeoutS: timeout });
}
