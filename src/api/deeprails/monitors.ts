import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  createEvalMonitor,
  requireEvalMonitor,
  requireEvaluation,
  submitEvaluation,
  updateEvalMonitorCommand,
  type EvaluationCommandDeps,
} from '../../commands/evaluations.js';
import { findEvalFiles } from '../../store/eval-monitors.repository.js';
import { countEvaluations, recentEvaluations } from '../../store/evaluations.repository.js';
import {
  CreateEvalMonitorBody,
  CreateEvalMonitorResponse,
  DeepRailsError,
  DetailQuery,
  EvalMonitorDetail,
  EvaluationDetail,
  EventParams,
  MonitorParams,
  StreamQuery,
  SubmitEventBody,
  SubmitEventResponse,
  UpdateEvalMonitorBody,
  UpdateEvalMonitorResponse,
} from '../../domain/evaluation-schemas.js';
import { evalMonitorDetailRecord, evaluationDetailRecord, iso } from '../../domain/wire.js';
import { streamEvaluations } from './stream.js';
import type { LogFanout } from '../../delivery/log-fanout.js';

const tags = ['Evaluation monitors (DeepRails)'];
const errors = { 401: DeepRailsError, 404: DeepRailsError, 409: DeepRailsError, 422: DeepRailsError };
const config = { deeprails: true };

type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;
type Options = { deps: EvaluationCommandDeps; fanout: LogFanout };

/** The DeepRails Monitor API (generation B, api.md §7.3), plus a resumable event stream per monitor. */
export async function evaluationMonitorRoutes(parent: FastifyInstance, options: Options): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  monitorRecordRoutes(app, options.deps);
  monitorEventRoutes(app, options);
}

/** `/monitor` and `/monitor/{monitor_id}`: create, retrieve (with its latest evaluations) and update a monitor. */
function monitorRecordRoutes(app: App, deps: EvaluationCommandDeps): void {
  app.post(
    '/monitor',
    {
      config,
      schema: { tags, summary: 'Create an evaluation monitor', body: CreateEvalMonitorBody, response: { 200: CreateEvalMonitorResponse, ...errors } },
    },
    async (request) => {
      const m = await createEvalMonitor(deps, request.account.id, request.body);
      return { monitor_id: m.id, status: m.status, created_at: iso(m.createdAt) };
    },
  );

  app.get(
    '/monitor/:monitor_id',
    {
      config,
      schema: {
        tags,
        summary: 'Retrieve an evaluation monitor with its latest evaluations',
        params: MonitorParams,
        querystring: DetailQuery,
        response: { 200: EvalMonitorDetail, ...errors },
      },
    },
    async (request) => {
      const m = await requireEvalMonitor(deps, request.account.id, request.params.monitor_id);
      const [counts, evaluations, files] = await Promise.all([
        countEvaluations(deps.store.db, m.id),
        recentEvaluations(deps.store.db, m.id, request.query.limit),
        findEvalFiles(deps.store.db, m.accountId, m.settings.fileSearch),
      ]);
      return evalMonitorDetailRecord(m, counts, evaluations, files);
    },
  );

  app.put(
    '/monitor/:monitor_id',
    {
      config,
      schema: {
        tags,
        summary: 'Update an evaluation monitor (partial)',
        params: MonitorParams,
        body: UpdateEvalMonitorBody,
        response: { 200: UpdateEvalMonitorResponse, ...errors },
      },
    },
    async (request) => {
      const m = await updateEvalMonitorCommand(deps, request.account.id, request.params.monitor_id, request.body ?? {});
      return { monitor_id: m.id, status: m.status, modified_at: iso(m.updatedAt), name: m.name };
    },
  );
}

/** `/monitor/{monitor_id}/events…`: submit an evaluation, stream the monitor's events, retrieve one. */
function monitorEventRoutes(app: App, options: Options): void {
  const { deps } = options;
  app.post(
    '/monitor/:monitor_id/events',
    {
      config,
      schema: {
        tags,
        summary: 'Submit a model input and output for evaluation',
        params: MonitorParams,
        body: SubmitEventBody,
        response: { 200: SubmitEventResponse, ...errors },
      },
    },
    async (request) => {
      const e = await submitEvaluation(deps, request.account.id, request.params.monitor_id, request.body);
      return { event_id: e.id, monitor_id: e.monitorId, created_at: iso(e.createdAt) };
    },
  );

  app.get(
    '/monitor/:monitor_id/events/stream',
    {
      config,
      schema: {
        tags,
        summary: "Stream the monitor's evaluation events (SSE, resumable by last_event_id)",
        params: MonitorParams,
        querystring: StreamQuery,
        response: errors,
      },
    },
    async (request, reply) => {
      const m = await requireEvalMonitor(deps, request.account.id, request.params.monitor_id);
      await streamEvaluations(deps, options.fanout, m, request, reply);
    },
  );

  app.get(
    '/monitor/:monitor_id/events/:event_id',
    {
      config,
      schema: { tags, summary: 'Retrieve one evaluation event', params: EventParams, response: { 200: EvaluationDetail, ...errors } },
    },
    async (request) => {
      const m = await requireEvalMonitor(deps, request.account.id, request.params.monitor_id);
      const e = await requireEvaluation(deps, request.account.id, m.id, request.params.event_id);
      return evaluationDetailRecord(e, m, await findEvalFiles(deps.store.db, m.accountId, m.settings.fileSearch));
    },
  );
}
