import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { LogFanout } from '../../delivery/log-fanout.js';
import { monitorEventLog } from '../../delivery/log-sources.js';
import { requireMonitor, type CommandDeps } from '../../commands/monitors.js';
import { invalid } from '../../errors.js';
import { findEventPosition, type StoredEvent } from '../../store/events.repository.js';
import { lastEventIdOf, memoFrames, serveLogStream } from '../log-stream.js';
import { sseFrame } from '../sse.js';
import { ErrorResponse, MonitorEvent, MonitorParams } from '../../domain/monitor-schemas.js';

// The stream's query lives beside its one route (a Vigil addition, not in Parallel's contract).
const MonitorEventStreamQuery = Type.Object({
  last_event_id: Type.Optional(
    Type.String({
      maxLength: 200,
      description: 'Resume after this event (an `event_id` the stream or the events list returned); the `Last-Event-ID` header works too',
    }),
  ),
  include_completions: Type.Boolean({ default: false, description: 'Also stream completion events, as the events list does' }),
  timeout: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Seconds after which the server ends the stream (default 3600)' })),
});

const StreamResponse = {
  description:
    'Server-Sent Events: each `event:` is the event_type, each `data:` one event as the events list returns it ' +
    '(with its `event_id`); no `id:` lines; a `: ping` comment after 15 s without events. The stream ends by closing.',
  content: { 'text/event-stream': { schema: MonitorEvent } },
};

// Rows hold the event's wire JSON as appended: sent as is, framed once for every subscriber.
const frameOf = memoFrames((row: StoredEvent) => sseFrame(row.kind, row.body));
const reportedOnly = (row: StoredEvent) => (row.kind === 'completion' ? undefined : frameOf(row));

/** Where a resumed stream continues: after the log position of the `event_id` the client sent. */
async function resumeAfter(deps: CommandDeps, monitorId: string, request: FastifyRequest): Promise<number> {
  const sent = lastEventIdOf(request);
  if (sent === undefined) return 0;
  const seq = await findEventPosition(deps.store.db, monitorId, sent.value);
  if (seq !== undefined) return seq;
  const name = sent.via === 'query' ? ['query', 'last_event_id'] : ['header', 'Last-Event-ID'];
  throw invalid(name, "must be the event_id of one of this monitor's events (as the stream or the events list returned it, and not yet pruned)");
}

/** `GET /v1/monitors/{monitor_id}/events/stream`: a monitor's log, replayed from a resume point and followed live (SSE). */
export async function monitorStreamRoutes(parent: FastifyInstance, options: { deps: CommandDeps; fanout: LogFanout }): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { deps, fanout } = options;
  const source = monitorEventLog(deps.store);
  app.get(
    '/v1/monitors/:monitor_id/events/stream',
    {
      schema: {
        tags: ['Monitor'],
        summary: "Stream a monitor's events live (SSE, oldest first, resumable by last_event_id or Last-Event-ID)",
        params: MonitorParams,
        querystring: MonitorEventStreamQuery,
        response: { 200: StreamResponse, 401: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse },
      },
    },
    async (request, reply) => {
      const monitor = await requireMonitor(deps, request.account.id, request.params.monitor_id);
      const afterSeq = await resumeAfter(deps, monitor.id, request);
      const { include_completions: includeCompletions, timeout } = request.query;
      await serveLogStream(reply, {
        fanout,
        source,
        scope: monitor.id,
        afterSeq,
        timeoutS: timeout,
        frame: includeCompletions ? frameOf : reportedOnly,
      });
    },
  );
}
