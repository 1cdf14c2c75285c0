import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { TaskRun } from '../domain/task.js';
import { taskRunDeliveries } from '../delivery/task-webhooks.js';
import type { PoliteFetcher } from '../outbound/polite.js';
import type { SourceParser } from '../research/isolate/parse-pool.js';
import { runLiteTask } from '../research/processors/lite-task.js';
import type { Store, Tx } from '../store/db.js';
import { insertDeliveries } from '../store/deliveries.repository.js';
import {
  appendTaskMessage, claimTaskRun, finishTaskRun, releaseTaskRun, renewTaskRunLeases, type TaskEnd,
} from '../store/task-runs.repository.js';
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
export function taskRunWork(deps: TaskRunnerDeps): LeasedKind<TaskRun, TaskEnd> {
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

async function research(deps: TaskRunnerDeps, run: TaskRun, job: Job): Promise<TaskEnd> {
  const http = deps.fetcher.forExecution({ monitorId: run.id, executionId: `${run.id}#${run.attempts}`, deadline: job.deadline });
  // The trace is informative: a message that cannot be written must not fail the run.
  const progress = (type: string, message: string) =>
    appendTaskMessage(deps.store.db, run.id, `task_run.progress_msg.${type}`, message, deps.clock())
      .catch((err: unknown) => deps.log.warn({ err, runId: run.id }, 'task progress message not written'));
  try {
    if (run.attempts > 1) await progress('exec_status', `Resumed (attempt ${run.attempts}): the worker that ran this before stopped`);
    const extraction = await runLiteTask(http, deps.parser, {
      input: run.input.input, spec: run.outputSpec, sourcePolicy: run.input.source_policy,
    }, job.signal, progress);
    return { status: 'completed', output: extraction.output, derivedSchema: extraction.outputSchema ?? null };
  } catch (err) {
    if (!job.signal.aborted) deps.log.warn({ err, runId: run.id }, 'task run failed');
    return failed(err instanceof Error ? err.message : String(err));
  }
}

/** Records the run's end and its webhook message, if this worker still holds the lease (false otherwise). */
async function commitEnd(deps: TaskRunnerDeps, tx: Tx, run: TaskRun, end: TaskEnd, now: number): Promise<false | number> {
  const finished: TaskRun = end.status === 'completed'
    ? { ...run, status: 'completed', output: end.output, derivedSchema: end.derivedSchema, modifiedAt: now }
    : { ...run, status: 'failed', error: end.error, modifiedAt: now };
  if (!(await finishTaskRun(tx, run.id, deps.workerId, end, now))) return false;
  const deliveries = taskRunDeliveries(finished, now);
  await insertDeliveries(tx, deliveries);
  return deliveries.length;
}

const failed = (message: string): TaskEnd => ({ status: 'failed', error: { ref_id: randomUUID(), message, detail: null } });
