import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { AppError } from '../../errors.js';
import { cancelMonitor, createMonitor, requireMonitor, triggerMonitor, updateMonitor, type CommandDeps } from '../../commands/monitors.js';
import { findExecution } from '../../store/executions.repository.js';
import { listEvents, listExecutionEvents, type PageEvent } from '../../store/events.repository.js';
import { listMonitors } from '../../store/monitors.repository.js';
import { splitArrayParams } from '../query.js';
import {
  CreateMonitorBody,
  ErrorResponse,
  EventList,
  ListEventsQuery,
  ListMonitorsQuery,
  MonitorList,
  MonitorParams,
  MonitorResponse,
  UpdateMonitorBody,
} from '../../domain/monitor-schemas.js';
import { byCreation, keysetPage, monitorRecord, type Keyset } from '../../domain/wire.js';
import { monitorStreamRoutes } from './monitor-stream.js';
import type { LogFanout } from '../../delivery/log-fanout.js';
import { createLimit } from './rate-limits.js';

const errors = { 401: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };
const tags = ['Monitor'];

/** The Monitor API v1 (`/v1/monitors…`, api.md §2). */
export async function monitorRoutes(
  parent: FastifyInstance,
  options: { deps: CommandDeps; monitorCreatesPerMinute: number; fanout: LogFanout },
): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = options;
  await app.register(monitorStreamRoutes, { deps, fanout: options.fanout });

  app.post(
    '/v1/monitors',
    {
      schema: { tags, summary: 'Create a monitor', body: CreateMonitorBody, response: { 201: MonitorResponse, ...errors, 429: ErrorResponse } },
      config: createLimit(options.monitorCreatesPerMinute),
    },
    async (request, reply) => {
      const monitor = await createMonitor(deps, request.account.id, request.body);
      return reply.status(201).send(monitorRecord(monitor));
    },
  );

  app.get(
    '/v1/monitors',
    {
      schema: { tags, summary: 'List monitors', querystring: ListMonitorsQuery, response: { 200: MonitorList, ...errors } },
      preValidation: splitArrayParams(['status', 'type']),
    },
    async (request) => monitorPage(deps, request.account.id, request.query),
  );

  app.get(
    '/v1/monitors/:monitor_id',
    {
      schema: { tags, summary: 'Retrieve a monitor', params: MonitorParams, response: { 200: MonitorResponse, ...errors } },
    },
    async (request) => monitorRecord(await requireMonitor(deps, request.account.id, request.params.monitor_id)),
  );

  monitorCommandRoutes(parent, deps);
  monitorEventsRoute(parent, deps);
}

/** Update, cancel and trigger one monitor. */
function monitorCommandRoutes(parent: FastifyInstance, deps: CommandDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1/monitors/:monitor_id/update',
    {
      schema: { tags, summary: 'Update a monitor', params: MonitorParams, body: UpdateMonitorBody, response: { 200: MonitorResponse, ...errors } },
    },
    async (request) => {
      const body = request.body ?? {};
      return monitorRecord(await updateMonitor(deps, request.account.id, request.params.monitor_id, body));
    },
  );

  app.post(
    '/v1/monitors/:monitor_id/cancel',
    {
      schema: { tags, summary: 'Cancel a monitor (idempotent)', params: MonitorParams, response: { 200: MonitorResponse, ...errors } },
    },
    async (request) => monitorRecord(await cancelMonitor(deps, request.account.id, request.params.monitor_id)),
  );

  app.post(
    '/v1/monitors/:monitor_id/trigger',
    {
      schema: { tags, summary: 'Run a monitor now, outside its schedule', params: MonitorParams, response: { 204: { type: 'null' }, ...errors } },
    },
    async (request, reply) => {
      await triggerMonitor(deps, request.account.id, request.params.monitor_id);
      return reply.status(204).send(null);
    },
  );
}

/** A monitor's events: one execution whole, or a page of its log. */
function monitorEventsRoute(parent: FastifyInstance, deps: CommandDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const db = deps.store.db;
  app.get(
    '/v1/monitors/:monitor_id/events',
    {
      schema: {
        tags,
        summary: "List a monitor's events, newest first",
        params: MonitorParams,
        querystring: ListEventsQuery,
        response: { 200: EventList, ...errors },
      },
    },
    async (request, reply) => {
      const accountId = request.account.id;
      const monitorId = request.params.monitor_id;
      const { cursor, limit, include_completions: includeCompletions, event_group_id: groupId } = request.query;
      if (groupId !== undefined) {
        // One execution, whole: cursor and limit are ignored (api.md §2.9).
        const monitor = await requireMonitor(deps, accountId, monitorId);
        if (!(await findExecution(db, monitor.id, groupId))) throw new AppError('EVENT_GROUP_NOT_FOUND');
        const events = await listExecutionEvents(deps.store.lists, { monitorId: monitor.id, executionId: groupId, includeCompletions });
        return sendPage(reply, events, null);
      }
      const page = await keysetPage(new EventLogKeyset(monitorId), cursor, limit, (beforeSeq, n) =>
        listEvents(deps.store.lists, { accountId, monitorId, beforeSeq, limit: n, includeCompletions }),
      );
      // Rows prove the monitor is the account's; only an empty page needs the monitor looked up (for a 404).
      if (page.rows.length === 0) await requireMonitor(deps, accountId, monitorId);
      return sendPage(reply, page.rows, page.nextCursor);
    },
  );
}

/**
 * A monitor's events, newest first: the cursor names the monitor and the log position to continue
 * below. A class, so that a page costs one small object rather than new closures (the hot list).
 */
class EventLogKeyset implements Keyset<PageEvent, number, { m: 'string'; s: 'number' }> {
  static readonly SHAPE = { m: 'string', s: 'number' } as const;
  readonly shape = EventLogKeyset.SHAPE;
  constructor(private readonly monitorId: string) {}

  positionOf(event: PageEvent) {
    return { m: this.monitorId, s: event.seq };
  }

  afterOf(position: { m: string; s: number }) {
    if (position.m !== this.monitorId) throw new AppError('INVALID_CURSOR', { explain: 'query.cursor: was returned for another monitor' });
    return position.s;
  }
}

/**
 * Sends a page of events as stored: their JSON is written once, at append time, never re-encoded.
 * The page's `warnings` (api.md §2.9) gather its events' own warnings; only those are decoded.
 */
function sendPage(reply: FastifyReply, events: PageEvent[], nextCursor: string | null): FastifyReply {
  const warnings = pageWarnings(events);
  const tail = warnings.length > 0 ? `,"warnings":${JSON.stringify(warnings)}` : '';
  const body = `{"events":[${events.map((e) => e.body).join(',')}],"next_cursor":${JSON.stringify(nextCursor)}${tail}}`;
  return reply.type('application/json; charset=utf-8').send(body);
}

/** One `Warning` per distinct warning of an execution on the page (an execution's events all carry the same ones). */
function pageWarnings(events: PageEvent[]): NonNullable<EventList['warnings']> {
  const seen = new Set<string>();
  const warnings: NonNullable<EventList['warnings']> = [];
  for (const event of events) {
    // Most bodies have no warnings, and a search for the bare word skips through them several times
    // faster than one for the quoted key, whose quote and colon are everywhere in JSON.
    if (!event.body.includes('warnings') || !event.body.includes('"warnings":')) continue;
    const { warnings: messages, event_group_id: groupId } = JSON.parse(event.body) as { warnings?: unknown; event_group_id: string };
    if (!Array.isArray(messages)) continue;
    for (const message of messages) {
      const key = `${groupId}\n${String(message)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      warnings.push({ type: 'warning', message: String(message), detail: { event_group_id: groupId } });
    }
  }
  return warnings;
}

/** A page of an account's monitors, newest first, with the cursor of the next page. */
async function monitorPage(deps: CommandDeps, accountId: string, query: Static<typeof ListMonitorsQuery>) {
  const { cursor, limit, status, type } = query;
  const page = await keysetPage(byCreation, cursor, limit, (after, n) =>
    listMonitors(deps.store.lists, {
      accountId,
      statuses: status?.length ? status : ['active'],
      types: type?.length ? type : ['event_stream', 'snapshot'],
      after,
      limit: n,
    }),
  );
  return { monitors: page.rows.map(monitorRecord), next_cursor: page.nextCursor };
}
