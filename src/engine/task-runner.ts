import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { TaskRun } from '../domain/task.js';
import { taskRunDeliveries } from '../delivery/task-webhooks.js';
import type { PoliteFetcher } from '../outbound/polite.js';
import type { SourceParser } from '../research/isolate/parse-pool.js';
import { runLiteTask } from '../research/processors/lite-task.js';
import { runModelTask } from '../research/processors/model-task.js';
import { taskUrls } from '../research/processors/task-sources.js';
import { isLite, tierOf } from '../domain/research-tiers.js';
import type { ModelClient, ModelUsage } from '../research/model.js';
import type { SearchClient } from '../research/search.js';
import { insertModelUsage } from '../store/model-usage.repository.js';
import type { Store, Tx } from '../store/db.js';
import { insertDeliveries } from '../store/deliveries.repository.js';
import { appendTaskMessage, claimTaskRun, finishTaskRun, releaseTaskRun, renewTaskRunLeases, type TaskEnd } from '../store/task-runs.repository.js';
import { metrics } from '../metrics.js';
import { createLeasedRunner, type Job, type LeasedKind, type RunnerSettings } from './leased-runner.js';
import type { Loop } from './loop.js';

/** What running task runs needs. */
export interface TaskRunnerDeps {
  store: Store;
  /** Research fetching, polite as monitors' is (src/outbound/polite.ts). */
  fetcher: PoliteFetcher;
  /** Parses fetched pages and extracts fields off the event loop. */
  parser: SourceParser;
  /** The configured model server and web search, if any: `base` and up fill with the model; a query naming no page searches. */
  model?: ModelClient;
  search?: SearchClient;
  clock: () => number;
  log: FastifyBaseLogger;
  workerId: string;
  /** Task runs one account may have running at once, over every process (fair shares). */
  perAccountInFlight?: number;
}

/** Leases queued task runs and runs up to `concurrency` of them at once, like the monitor worker. */
export function createTaskWorker(deps: TaskRunnerDeps & RunnerSettings): Loop {
  return createLeasedRunner(taskRunWork(deps), deps);
}

/**
 * Task runs as leased work (see leased-runner.ts): what runs is the lite extraction; what commits
 * is the run's end (result or error) with its `task_run.status` webhook. A run stopped with the
 * process commits nothing and is run again later, by this process after a restart or by another.
 */
/** A run's end, with the model tokens it spent (committed with it). */
type RunEnd = TaskEnd & { usage?: ModelUsage };

export function taskRunWork(deps: TaskRunnerDeps): LeasedKind<TaskRun, RunEnd> {
  const { db, dialect } = deps.store;
  const fairness = { perAccount: deps.perAccountInFlight ?? Number.MAX_SAFE_INTEGER };
  return {
    name: 'task-worker',
    noun: 'run',
    id: (run) => run.id,
    attempts: (run) => run.attempts,
    claim: async (now, leaseUntil) => {
      const claimed = await claimTaskRun(db, dialect, deps.workerId, now, leaseUntil, fairness);
      metrics.taskRunStarted(claimed);
      return claimed;
    },
    renew: (ids, _now, leaseUntil) => renewTaskRunLeases(db, ids, deps.workerId, leaseUntil),
    release: (run) => releaseTaskRun(db, run.id, deps.workerId),
    perform: (run, job) => research(deps, run, job),
    failed: (_run, message) => failed(message),
    commit: (tx, run, end, now) => commitEnd(deps, tx, run, end, now),
  };
}

async function research(deps: TaskRunnerDeps, run: TaskRun, job: Job): Promise<RunEnd> {
  const http = deps.fetcher.forExecution({ monitorId: run.id, executionId: `${run.id}#${run.attempts}`, deadline: job.deadline });
  // The trace is informative: a message that cannot be written must not fail the run.
  const progress = (type: string, message: string) =>
    appendTaskMessage(deps.store.db, run.id, `task_run.progress_msg.${type}`, message, deps.clock()).catch((err: unknown) =>
      deps.log.warn({ err, runId: run.id }, 'task progress message not written'),
    );
  let usage: ReturnType<ModelClient['meter']> | undefined;
  try {
    if (run.attempts > 1) await progress('exec_status', `Resumed (attempt ${run.attempts}): the worker that ran this before stopped`);
    const task = { input: run.input.input, spec: run.outputSpec, sourcePolicy: run.input.source_policy };
    const urls = await taskUrls(http, deps.search, task, job.signal, progress);
    // Without a model, a model processor runs as lite: the run's warning (set at creation) says so.
    if (isLite(run.processor) || !deps.model || urls.length === 0) {
      const extraction = await runLiteTask(http, deps.parser, { ...task, urls }, job.signal, progress);
      return { status: 'completed', output: extraction.output, derivedSchema: extraction.outputSchema ?? null };
    }
    usage = deps.model.meter();
    const extraction = await runModelTask(
      { http, parser: deps.parser, model: deps.model, tier: tierOf(run.processor) },
      { ...task, urls },
      { deadline: job.deadline, signal: job.signal, usage },
      progress,
    );
    return { status: 'completed', output: extraction.output, derivedSchema: extraction.outputSchema ?? null, usage: usage.snapshot() };
  } catch (err) {
    if (!job.signal.aborted) deps.log.warn({ err, runId: run.id }, 'task run failed');
    // Tokens spent on a run that failed were spent all the same.
    return { ...failed(err instanceof Error ? err.message : String(err)), ...(usage?.used ? { usage: usage.snapshot() } : {}) };
  }
}

/** Records the run's end and its webhook message, if this worker still holds the lease (false otherwise). */
async function commitEnd(deps: TaskRunnerDeps, tx: Tx, run: TaskRun, end: RunEnd, now: number): Promise<false | number> {
  const finished: TaskRun =
    end.status === 'completed'
      ? { ...run, status: 'completed', output: end.output, derivedSchema: end.derivedSchema, modifiedAt: now }
      : { ...run, status: 'failed', error: end.error, modifiedAt: now };
  if (!(await finishTaskRun(tx, run.id, deps.workerId, end, now))) return false;
  const deliveries = taskRunDeliveries(finished, now);
  await insertDeliveries(tx, deliveries);
  if (end.usage) {
    await insertModelUsage(tx, { kind: 'task_run', id: run.id, accountId: run.accountId }, end.usage, now);
    metrics.modelUsage('task_run', end.usage);
  }
  return deliveries.length;
}

const failed = (message: string): TaskEnd => ({ status: 'failed', error: { ref_id: randomUUID(), message, detail: null } });
