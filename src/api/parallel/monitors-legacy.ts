import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CADENCE_FREQUENCIES, type EventStreamSettings, type Monitor, type UpdateMonitorInput } from '../../domain/monitor.js';
import { cancelMonitor, createMonitor, requireMonitor, simulateEvent, updateMonitor, type CommandDeps } from '../../commands/monitors.js';
import { AppError, invalid } from '../../errors.js';
import { listExecutionEvents, listRecentEvents } from '../../store/events.repository.js';
import { listMonitors, listMonitorsById } from '../../store/monitors.repository.js';
import { findTestEventGroup } from '../../store/test-event-groups.repository.js';
import { byCreation, keysetPage } from '../../domain/wire.js';
import { ErrorResponse } from '../../domain/monitor-schemas.js';
import {
  LegacyCreateBody,
  LegacyEventGroupParams,
  LegacyEventList,
  LegacyEventsQuery,
  LegacyListQuery,
  LegacyMonitorArray,
  LegacyMonitorPage,
  LegacyMonitorParams,
  LegacyMonitorResponse,
  LegacyPageQuery,
  LegacyUpdateBody,
  SimulateQuery,
} from './monitors-legacy-schemas.js';
import { lookbackMs, testEvent, toLegacyEvent, toLegacyMonitor } from './monitors-legacy-wire.js';
import { createLimit } from './rate-limits.js';

const errors = { 401: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };
const tags = ['Monitor (legacy v1alpha)'];
/** The legacy events list covers at most this many event groups (api.md §4.6). */
const MAX_EVENT_GROUPS = 300;

/** Drops undefined and null values, so a mapped request carries only what the client gave. */
const given = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<{ [K in keyof T]: NonNullable<T[K]> }>;

/**
 * The legacy Monitor API (`/v1alpha/monitors…`, api.md §4) over the same store and engine commands
 * as v1: requests are mapped to v1 inputs, monitors and logged events to the legacy shapes.
 * A cancelled monitor is "deleted" here: every read of it is a 404, except the full list.
 */
export async function legacyMonitorRoutes(parent: FastifyInstance, options: { deps: CommandDeps; monitorCreatesPerMinute: number }): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = options;
  // The engine's 404 says "Monitor not found"; this API's says "Schedule not found". Rethrown
  // errors go on to the app's one error handler, which writes the envelope.
  app.setErrorHandler((err) => {
    throw err instanceof AppError && err.code === 'MONITOR_NOT_FOUND' ? new AppError('SCHEDULE_NOT_FOUND') : err;
  });
  // simulate_event's body is documented as arbitrary bytes, and ignored: accept any content type.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));

  legacyCreateRoute(parent, deps, options.monitorCreatesPerMinute);
  const live = (accountId: string, id: string) => liveMonitor(deps, accountId, id);

  app.get(
    '/v1alpha/monitors/:monitor_id',
    {
      schema: { tags, summary: 'Retrieve a monitor', params: LegacyMonitorParams, response: { 200: LegacyMonitorResponse, ...errors } },
    },
    async (request) => toLegacyMonitor(await live(request.account.id, request.params.monitor_id)),
  );

  app.post(
    '/v1alpha/monitors/:monitor_id',
    {
      schema: {
        tags,
        summary: 'Update a monitor (null fields stay unchanged; one must be non-null)',
        params: LegacyMonitorParams,
        body: LegacyUpdateBody,
        response: { 200: LegacyMonitorResponse, ...errors },
      },
    },
    async (request) => {
      const monitor = await live(request.account.id, request.params.monitor_id);
      const input = updateInput(monitor, request.body ?? {});
      return toLegacyMonitor(await updateMonitor(deps, request.account.id, monitor.id, input));
    },
  );

  app.delete(
    '/v1alpha/monitors/:monitor_id',
    {
      schema: {
        tags,
        summary: 'Delete a monitor: it is cancelled (v1 still shows it, as cancelled)',
        params: LegacyMonitorParams,
        response: { 200: LegacyMonitorResponse, ...errors },
      },
    },
    async (request) => {
      const monitor = await live(request.account.id, request.params.monitor_id);
      return toLegacyMonitor(await cancelMonitor(deps, request.account.id, monitor.id));
    },
  );
  legacyListRoutes(parent, deps);
  legacyEventRoutes(parent, deps);
}

/** Create: v1's create with the legacy body (a frequency, or the deprecated cadence). */
function legacyCreateRoute(parent: FastifyInstance, deps: CommandDeps, monitorCreatesPerMinute: number): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1alpha/monitors',
    {
      schema: {
        tags,
        summary: 'Create a monitor (frequency, or the deprecated cadence)',
        body: LegacyCreateBody,
        response: { 201: LegacyMonitorResponse, ...errors, 429: ErrorResponse },
      },
      config: createLimit(monitorCreatesPerMinute),
    },
    async (request, reply) => {
      const b = request.body;
      const frequency = b.frequency ?? (b.cadence ? CADENCE_FREQUENCIES[b.cadence] : undefined);
      if (frequency === undefined) {
        throw invalid(['body', 'frequency'], 'is required (or the deprecated cadence: hourly, daily, weekly or every_two_weeks)', 'missing');
      }
      const monitor = await createMonitor(deps, request.account.id, {
        type: 'event_stream',
        frequency,
        cadence: b.cadence ?? null,
        settings: given({
          query: b.query,
          output_schema: b.output_schema,
          include_backfill: b.include_backfill,
          advanced_settings: b.source_policy ? { source_policy: b.source_policy } : undefined,
        }),
        webhook: b.webhook ?? null,
        metadata: b.metadata ?? null,
      });
      return reply.status(201).send(toLegacyMonitor(monitor));
    },
  );
}

/** A monitor of the account that is not cancelled ("deleted" here); else the legacy 404. */
async function liveMonitor(deps: CommandDeps, accountId: string, id: string): Promise<Monitor> {
  const monitor = await requireMonitor(deps, accountId, id);
  if (monitor.status === 'cancelled') throw new AppError('SCHEDULE_NOT_FOUND');
  return monitor;
}

/** The two monitor lists: every monitor (cancelled ones too) and the paged one. */
function legacyListRoutes(parent: FastifyInstance, deps: CommandDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1alpha/monitors',
    {
      schema: {
        tags,
        summary: 'Every monitor, any status, in lexicographic order of id',
        querystring: LegacyListQuery,
        response: { 200: LegacyMonitorArray, ...errors },
      },
    },
    async (request) => {
      const { monitor_id: fromId, limit } = request.query;
      return (await listMonitorsById(deps.store.lists, { accountId: request.account.id, fromId, limit })).map(toLegacyMonitor);
    },
  );

  app.get(
    '/v1alpha/monitors/list',
    {
      schema: { tags, summary: 'Active monitors, newest first, by cursor', querystring: LegacyPageQuery, response: { 200: LegacyMonitorPage, ...errors } },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      const page = await keysetPage(byCreation, cursor, limit, (after, n) =>
        listMonitors(deps.store.lists, {
          accountId: request.account.id,
          statuses: ['active'],
          types: ['event_stream', 'snapshot'],
          after,
          limit: n,
        }),
      );
      return { data: page.rows.map(toLegacyMonitor), next_cursor: page.nextCursor };
    },
  );
}

/** A monitor's events, one event group, and simulated webhooks. */
function legacyEventRoutes(parent: FastifyInstance, deps: CommandDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const db = deps.store.db;
  const live = (accountId: string, id: string) => liveMonitor(deps, accountId, id);

  app.get(
    '/v1alpha/monitors/:monitor_id/events',
    {
      schema: {
        tags,
        summary: 'Events of the newest event groups within the lookback period, newest first',
        params: LegacyMonitorParams,
        querystring: LegacyEventsQuery,
        response: { 200: LegacyEventList, ...errors },
      },
    },
    async (request) => {
      const since = deps.clock() - lookbackMs(request.query.lookback_period);
      const monitor = await live(request.account.id, request.params.monitor_id);
      const events = await listRecentEvents(db, { accountId: monitor.accountId, monitorId: monitor.id, since, groups: MAX_EVENT_GROUPS });
      return { events: events.map(toLegacyEvent) };
    },
  );

  app.get(
    '/v1alpha/monitors/:monitor_id/event_groups/:event_group_id',
    {
      schema: { tags, summary: 'The detected events of one event group', params: LegacyEventGroupParams, response: { 200: LegacyEventList, ...errors } },
    },
    async (request) => {
      const monitor = await live(request.account.id, request.params.monitor_id);
      const groupId = request.params.event_group_id;
      if (groupId.startsWith('test_')) {
        const issued = await findTestEventGroup(db, monitor.id, groupId);
        if (!issued) throw new AppError('EVENT_GROUP_NOT_FOUND');
        return { events: [testEvent(monitor, groupId, issued.createdAt)] };
      }
      // Only detected events form a group here: a completion or error alone is no event group.
      const stored = await listExecutionEvents(deps.store.lists, { monitorId: monitor.id, executionId: groupId, includeCompletions: false });
      const detected = stored.filter((e) => e.kind === 'event_stream' || e.kind === 'snapshot');
      if (detected.length === 0) throw new AppError('EVENT_GROUP_NOT_FOUND');
      return { events: detected.map(toLegacyEvent) };
    },
  );

  app.post(
    '/v1alpha/monitors/:monitor_id/simulate_event',
    {
      schema: {
        tags,
        summary: 'Send a test webhook of a type (body ignored)',
        params: LegacyMonitorParams,
        querystring: SimulateQuery,
        response: { 204: { type: 'null' }, 400: ErrorResponse, ...errors },
      },
    },
    async (request, reply) => {
      const monitor = await live(request.account.id, request.params.monitor_id);
      await simulateEvent(deps, monitor, request.query.event_type);
      return reply.status(204).send(null);
    },
  );
}

/** A legacy update as a v1 update: null means unchanged; the source policy replaces only itself. */
function updateInput(monitor: Monitor, body: LegacyUpdateBody): UpdateMonitorInput {
  const b = given(body);
  if (Object.keys(b).length === 0) throw invalid(['body'], 'at least one field must be non-null', 'empty_update');
  const input: UpdateMonitorInput = given({ webhook: b.webhook, metadata: b.metadata });
  if (b.cadence) Object.assign(input, { cadence: b.cadence, frequency: b.frequency ?? CADENCE_FREQUENCIES[b.cadence] });
  else if (b.frequency) Object.assign(input, { cadence: null, frequency: b.frequency });
  if (b.query !== undefined || b.source_policy) {
    const advanced = (monitor.settings as EventStreamSettings).advanced_settings;
    input.type = 'event_stream';
    input.settings = given({
      query: b.query,
      advanced_settings: b.source_policy ? { ...advanced, source_policy: b.source_policy } : undefined,
    });
  }
  return input;
}
