import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { LogFanout } from '../../delivery/log-fanout.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  cancelFindAllRun,
  createFindAllRun,
  enrichFindAllRun,
  extendFindAllRun,
  ingestObjective,
  requireFindAllRun,
  searchEntities,
  type FindAllCommandDeps,
} from '../../commands/findall.js';
import { eventIdOf } from '../../domain/findall.js';
import { candidateRecord, findAllRunRecord, schemaRecord } from '../../domain/wire.js';
import {
  CandidateSetResponse,
  CreateFindAllBody,
  EnrichBody,
  EntitySearchBody,
  EntitySearchResponse,
  EventsQuery,
  ExtendBody,
  FindAllParams,
  FindAllResultResponse,
  FindAllRunResponse,
  FindAllSchemaResponse,
  IngestBody,
} from '../../domain/findall-schemas.js';
import { listCandidates } from '../../store/findall-candidates.repository.js';
import { findLastFindAllSeq } from '../../store/findall-events.repository.js';
import { ErrorResponse } from '../../domain/monitor-schemas.js';
import { resumeAfter, streamFindAll } from './findall-stream.js';
import { createLimit } from './rate-limits.js';

const errors = { 401: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };
const tags = ['FindAll'];
const P = '/v1beta/findall';

type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;
type Options = { deps: FindAllCommandDeps; findAllCreatesPerHour: number; fanout: LogFanout };

/**
 * The FindAll API (`/v1beta/findall…`, api.md §6). The `parallel-beta` header is accepted and not
 * required: without it the V1 shapes are served all the same (the V0 API is not).
 */
export async function findAllRoutes(parent: FastifyInstance, options: Options): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  runRoutes(app, options);
  runContentRoutes(app, options.deps);
  eventRoutes(app, options);
  searchRoutes(app, options.deps);
}

/** Ingest an objective, then create, retrieve and cancel a run. */
function runRoutes(app: App, options: Options): void {
  const { deps } = options;
  app.post(
    `${P}/ingest`,
    {
      schema: { tags, summary: 'Turn an objective into a FindAll schema', body: IngestBody, response: { 200: FindAllSchemaResponse, ...errors } },
    },
    async (request) => ingestObjective(deps, request.body.objective),
  );

  app.post(
    `${P}/runs`,
    {
      schema: { tags, summary: 'Create a FindAll run', body: CreateFindAllBody, response: { 200: FindAllRunResponse, ...errors, 429: ErrorResponse } },
      config: createLimit(options.findAllCreatesPerHour, 3_600_000),
    },
    async (request) => findAllRunRecord(await createFindAllRun(deps, request.account.id, request.body)),
  );

  app.get(
    `${P}/runs/:findall_id`,
    {
      schema: { tags, summary: 'Retrieve a FindAll run', params: FindAllParams, response: { 200: FindAllRunResponse, ...errors } },
    },
    async (request) => findAllRunRecord(await requireFindAllRun(deps, request.account.id, request.params.findall_id)),
  );

  app.post(
    `${P}/runs/:findall_id/cancel`,
    {
      schema: { tags, summary: 'Cancel a FindAll run', params: FindAllParams, response: { 200: { type: 'object' }, ...errors, 409: ErrorResponse } },
    },
    async (request) => {
      await cancelFindAllRun(deps, request.account.id, request.params.findall_id);
      return {};
    },
  );
}

/** A run's result and schema, and the two requests that add to it (extend, enrich). */
function runContentRoutes(app: App, deps: FindAllCommandDeps): void {
  app.get(
    `${P}/runs/:findall_id/result`,
    {
      schema: { tags, summary: 'The run and its candidates now', params: FindAllParams, response: { 200: FindAllResultResponse, ...errors } },
    },
    async (request) => {
      const run = await requireFindAllRun(deps, request.account.id, request.params.findall_id);
      // Read in this order, each no older than the one before: the position (resuming from it may repeat
      // a change the candidates show, never miss one), then the run, then its candidates (a run read as
      // terminal has every judgement of its candidates committed, so none shows as merely generated).
      const seq = await findLastFindAllSeq(deps.store.db, run.id);
      const latest = await requireFindAllRun(deps, request.account.id, run.id);
      const candidates = await listCandidates(deps.store.db, run.id);
      return { run: findAllRunRecord(latest), candidates: candidates.map(candidateRecord), last_event_id: seq > 0 ? eventIdOf(seq) : null };
    },
  );

  app.get(
    `${P}/runs/:findall_id/schema`,
    {
      schema: { tags, summary: 'The schema of a FindAll run', params: FindAllParams, response: { 200: FindAllSchemaResponse, ...errors } },
    },
    async (request) => schemaRecord(await requireFindAllRun(deps, request.account.id, request.params.findall_id)),
  );

  app.post(
    `${P}/runs/:findall_id/extend`,
    {
      schema: {
        tags,
        summary: 'Raise the match limit of a run that met it',
        params: FindAllParams,
        body: ExtendBody,
        response: { 200: FindAllSchemaResponse, ...errors },
      },
    },
    async (request) => extendFindAllRun(deps, request.account.id, request.params.findall_id, request.body.additional_match_limit),
  );

  app.post(
    `${P}/runs/:findall_id/enrich`,
    {
      schema: {
        tags,
        summary: 'Enrich the matched candidates of a run',
        params: FindAllParams,
        body: EnrichBody,
        response: { 200: FindAllSchemaResponse, ...errors },
      },
    },
    async (request) => enrichFindAllRun(deps, request.account.id, request.params.findall_id, request.body),
  );
}

/** A run's events, streamed over SSE. */
function eventRoutes(app: App, options: Options): void {
  const { deps } = options;
  app.get(
    `${P}/runs/:findall_id/events`,
    {
      schema: {
        tags,
        summary: 'Stream the events of a FindAll run (SSE), resumable with last_event_id',
        params: FindAllParams,
        querystring: EventsQuery,
        response: errors,
      },
    },
    async (request, reply) => {
      const run = await requireFindAllRun(deps, request.account.id, request.params.findall_id);
      const after = resumeAfter(request);
      await streamFindAll(deps.store, options.fanout, run, after, request.query.timeout, reply);
    },
  );
}

/** Entity search for an objective without a run, and the older candidates form of it. */
function searchRoutes(app: App, deps: FindAllCommandDeps): void {
  app.post(
    `${P}/entity-search`,
    {
      schema: { tags, summary: 'Search entities for an objective (no evaluation)', body: EntitySearchBody, response: { 200: EntitySearchResponse, ...errors } },
    },
    async (request, reply) => searchEntities(deps, request.body, closedSignal(reply)),
  );

  app.post(
    `${P}/candidates`,
    {
      schema: {
        tags,
        summary: 'Search candidates for an objective (the older entity search)',
        body: EntitySearchBody,
        response: { 200: CandidateSetResponse, ...errors },
      },
    },
    async (request, reply) => {
      const found = await searchEntities(deps, request.body, closedSignal(reply));
      return { candidate_set_id: found.entity_set_id.replace(/^entityset_/, 'candset_'), candidates: found.entities };
    },
  );
}

/** Aborted when the client goes away, so a search it no longer waits for stops reading the web. */
function closedSignal(reply: { raw: { on(event: 'close', listener: () => void): unknown } }): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => controller.abort());
  return controller.signal;
}
