import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors.js';
import type { TaskOutput } from '../../domain/event.js';
import { wantsElementBasis, withElementBasis } from '../../domain/element-basis.js';
import { isActive, type TaskRun } from '../../domain/task.js';
import { iso, taskRunRecord } from '../../domain/wire.js';
import { createTaskRun, requireTaskRun, type TaskCommandDeps } from '../../commands/tasks.js';
import { liteProgressStats } from '../../research/processors/lite-task.js';
import { findTaskRun, listTaskMessages } from '../../store/task-runs.repository.js';
import { openSse, type SseStream } from '../sse.js';
import { ErrorResponse } from '../../domain/monitor-schemas.js';
import { createLimit } from './rate-limits.js';
import { CreateTaskRunBody, ResultQuery, RunInputResponse, RunParams, TaskRunResponse, TaskRunResult } from '../../domain/task-schemas.js';

const errors = { 401: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };
const tags = ['Tasks'];

/** How often a waiting result request or event stream looks at the run again (any process may finish it). */
const POLL_MS = 200;
/** An event stream closes after this long, as Parallel's does (api.md §5.4); clients reconnect. */
const STREAM_MS = 570_000;
const PING_MS = 15_000;
/** The longest a result request waits, whatever `timeout` asks (the contract sets no maximum). */
const MAX_WAIT_SECONDS = 3600;

/** The Task API subset that snapshot monitors rest on (`/v1/tasks/runs…`, api.md §5). */
export async function taskRoutes(parent: FastifyInstance, options: { deps: TaskCommandDeps; taskCreatesPerMinute: number }): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = options;

  app.post(
    '/v1/tasks/runs',
    {
      schema: {
        tags,
        summary: 'Create a task run',
        body: CreateTaskRunBody,
        response: { 202: TaskRunResponse, ...errors, 403: ErrorResponse, 429: ErrorResponse },
      },
      config: createLimit(options.taskCreatesPerMinute),
    },
    async (request, reply) => {
      const run = await createTaskRun(deps, request.account.id, request.body);
      return reply.status(202).send(taskRunRecord(run));
    },
  );

  app.get(
    '/v1/tasks/runs/:run_id',
    {
      schema: { tags, summary: 'Retrieve a task run', params: RunParams, response: { 200: TaskRunResponse, ...errors } },
    },
    async (request) => taskRunRecord(await requireTaskRun(deps, request.account.id, request.params.run_id)),
  );

  app.get(
    '/v1/tasks/runs/:run_id/input',
    {
      schema: { tags, summary: 'Retrieve the input of a task run', params: RunParams, response: { 200: RunInputResponse, ...errors } },
    },
    async (request) => (await requireTaskRun(deps, request.account.id, request.params.run_id)).input as unknown as Record<string, unknown>,
  );

  taskResultRoute(parent, deps);
  taskEventRoutes(parent, deps);
}

/** The result of a run, waited for while it is active (up to the asked timeout). */
function taskResultRoute(parent: FastifyInstance, deps: TaskCommandDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/tasks/runs/:run_id/result',
    {
      schema: {
        tags,
        summary: 'Wait for and retrieve the result of a task run',
        params: RunParams,
        querystring: ResultQuery,
        response: { 200: TaskRunResult, ...errors, 408: ErrorResponse },
      },
    },
    async (request, reply) => {
      const accountId = request.account.id;
      const first = await findTaskRun(deps.store.db, accountId, request.params.run_id);
      if (!first) throw new AppError('RUN_RESULT_NOT_FOUND');
      const gone = new AbortController();
      reply.raw.on('close', () => gone.abort());
      const run = await waitWhileActive(deps, first, Date.now() + waitMs(request, request.query.timeout), gone.signal);
      if (run.status === 'completed' && run.output) return resultOf({ ...run, output: run.output }, wantsElementBasis(request.headers['parallel-beta']));
      if (isActive(run.status)) throw new AppError('RUN_STILL_ACTIVE');
      throw new AppError('RUN_RESULT_NOT_FOUND', {
        explain: `run ${run.id} failed: ${run.error?.message ?? 'unknown error'}`,
        detail: { run: taskRunRecord(run) },
      });
    },
  );
}

/** A run's event stream (SSE), at its v1 path and the hidden v1beta one. */
function taskEventRoutes(parent: FastifyInstance, deps: TaskCommandDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  for (const path of ['/v1/tasks/runs/:run_id/events', '/v1beta/tasks/runs/:run_id/events']) {
    app.get(
      path,
      {
        schema: { tags, summary: 'Stream the state and progress of a task run (SSE)', params: RunParams, response: errors, hide: path.startsWith('/v1beta') },
      },
      async (request, reply) => {
        const run = await requireTaskRun(deps, request.account.id, request.params.run_id);
        await streamRun(deps, run, openSse(reply), wantsElementBasis(request.headers['parallel-beta']));
      },
    );
  }
}

/**
 * How long a result request may wait: the `timeout` asked for, but less than the client's own
 * timeout when it says it (the SDKs send `X-Stainless-Timeout`), so it gets a 408 it can retry on
 * rather than a dropped connection (api.md §5.1).
 */
function waitMs(request: FastifyRequest, asked: number): number {
  const timeoutSeconds = Math.min(asked, MAX_WAIT_SECONDS);
  const clientSeconds = Number(request.headers['x-stainless-timeout']);
  const seconds = Number.isFinite(clientSeconds) && clientSeconds > 0 ? Math.min(timeoutSeconds, Math.max(1, clientSeconds - 5)) : timeoutSeconds;
  return seconds * 1000;
}

/**
 * A completed run's result (`TaskRunResult`); an auto spec answered with JSON carries the schema it
 * derived. With the field-basis beta, list fields also get a basis entry per element.
 */
function resultOf(run: TaskRun & { output: TaskOutput }, elementBasis: boolean) {
  const output = elementBasis ? withElementBasis(run.output) : run.output;
  return { run: taskRunRecord(run), output: run.derivedSchema ? { ...output, output_schema: run.derivedSchema } : output };
}

/** The run once it is no longer active, or as it is at the deadline or when the client leaves. */
async function waitWhileActive(deps: TaskCommandDeps, run: TaskRun, deadline: number, gone: AbortSignal): Promise<TaskRun> {
  let current = run;
  while (isActive(current.status) && Date.now() < deadline && !gone.aborted) {
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    current = (await findTaskRun(deps.store.db, run.accountId, run.id)) ?? current;
  }
  return current;
}

/**
 * The run's event stream: its state first, every progress message so far, then new messages as
 * they are written, and the state again when the run ends (with its output), after which the
 * stream closes (api.md §5.4).
 */
async function streamRun(deps: TaskCommandDeps, run: TaskRun, stream: SseStream, elementBasis: boolean): Promise<void> {
  const openedAt = Date.now();
  let lastPing = openedAt;
  let seq = 0;
  const exec: string[] = [];
  let lastStats = '';
  const sendNewMessages = async (current: TaskRun) => {
    for (const message of await listTaskMessages(deps.store.lists, run.id, seq)) {
      stream.send(message.type, { type: message.type, message: message.message, timestamp: iso(message.createdAt) });
      if (message.type === 'task_run.progress_msg.exec_status') exec.push(message.message);
      seq = message.seq;
    }
    // Only the current aggregate, and only when it changed (api.md §5.4).
    const stats = JSON.stringify({ type: 'task_run.progress_stats', ...statsOf(current, exec) });
    if (stats !== lastStats) stream.send('task_run.progress_stats', JSON.parse(stats) as Record<string, unknown>);
    lastStats = stats;
  };
  let current = run;
  stream.send('task_run.state', stateEvent(current, elementBasis));
  try {
    await sendNewMessages(current);
    while (isActive(current.status) && !stream.closed.aborted && Date.now() - openedAt < STREAM_MS) {
      await sleep(POLL_MS);
      current = (await findTaskRun(deps.store.db, run.accountId, run.id)) ?? current;
      // Messages are written before the run's end commits, so all of them precede the final state.
      await sendNewMessages(current);
      if (!isActive(current.status)) stream.send('task_run.state', stateEvent(current, elementBasis));
      else if (Date.now() - lastPing > PING_MS) {
        stream.ping();
        lastPing = Date.now();
      }
    }
  } finally {
    stream.end();
  }
}

function statsOf(run: TaskRun, exec: string[]) {
  return liteProgressStats({ input: run.input.input, sourcePolicy: run.input.source_policy }, exec, !isActive(run.status));
}

function stateEvent(run: TaskRun, elementBasis: boolean) {
  return {
    type: 'task_run.state',
    event_id: null,
    run: taskRunRecord(run),
    input: null,
    output: run.status === 'completed' && run.output ? resultOf({ ...run, output: run.output }, elementBasis).output : null,
  };
}
