import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { TaskRun } from '../domain/task.js';
import { taskRunDeliveries } from '../delivery/task-webhooks.js';
import type { PoliteFetcher } from '../outbound/polite.js';
import type { SourceParser } from '../research/isolate/parse-pool.js';
import { runLiteTask } from '../research/processors/lite-task.js';
import type { Store } from '../store/db.js';
import { insertDeliveries } from '../store/deliveries.repository.js';
import {
  appendTaskMessage, claimTaskRun, finishTaskRun, releaseTaskRun, type TaskEnd,
} from '../store/task-runs.repository.js';
import { MAX_ATTEMPTS } from './execution-runner.js';
import { createLeasePool } from './lease-pool.js';
import type { Loop } from './loop.js';
import { leaseMs } from './worker.js';

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
  timeoutMs: number;
}

/** Leases queued task runs and runs up to `concurrency` of them at once, like the monitor worker. */
export function createTaskWorker(deps: TaskRunnerDeps & { concurrency: number; intervalMs: number }): Loop {
  return createLeasePool<TaskRun>({
    name: 'task-worker',
    concurrency: deps.concurrency,
    intervalMs: deps.intervalMs,
    log: deps.log,
    claim: () => {
      const now = deps.clock();
      return claimTaskRun(deps.store.db, deps.store.dialect, deps.workerId, now, now + leaseMs(deps.timeoutMs));
    },
    run: (run, stop) => runTask(deps, run, stop),
    release: (run) => releaseTaskRun(deps.store.db, run.id, deps.workerId),
  });
}

/**
 * Runs one leased task run and commits its end (result or error) with its webhook message in one
 * transaction, while this worker still holds the lease. A stop commits nothing: the run is run
 * again later, by this process after a restart or by another one.
 */
export async function runTask(deps: TaskRunnerDeps, run: TaskRun, stop: AbortSignal): Promise<void> {
  const end = run.attempts > MAX_ATTEMPTS
    ? failed(`run abandoned after ${MAX_ATTEMPTS} attempts: the worker running it stopped each time`)
    : await research(deps, run, stop);
  if (stop.aborted) return;
  const now = deps.clock();
  const finished: TaskRun = end.status === 'completed'
    ? { ...run, status: 'completed', output: end.output, derivedSchema: end.derivedSchema, modifiedAt: now }
    : { ...run, status: 'failed', error: end.error, modifiedAt: now };
  const deliveries = taskRunDeliveries(finished, now);
  const committed = await deps.store.db.transaction().execute(async (tx) => {
    if (!(await finishTaskRun(tx, run.id, deps.workerId, end, now))) return false;
    await insertDeliveries(tx, deliveries);
    return true;
  });
  if (!committed) deps.log.warn({ runId: run.id }, 'lease on task run was lost; its result was not committed');
  else if (deliveries.length > 0) deps.store.workHints.notify();
}

async function research(deps: TaskRunnerDeps, run: TaskRun, stop: AbortSignal): Promise<TaskEnd> {
  const signal = AbortSignal.any([stop, AbortSignal.timeout(deps.timeoutMs)]);
  const http = deps.fetcher.forExecution({ monitorId: run.id, executionId: `${run.id}#${run.attempts}`, deadline: Date.now() + deps.timeoutMs });
  // The trace is informative: a message that cannot be written must not fail the run.
  const progress = (type: string, message: string) =>
    appendTaskMessage(deps.store.db, run.id, `task_run.progress_msg.${type}`, message, deps.clock())
      .catch((err: unknown) => deps.log.warn({ err, runId: run.id }, 'task progress message not written'));
  try {
    if (run.attempts > 1) await progress('exec_status', `Resumed (attempt ${run.attempts}): the worker that ran this before stopped`);
    const extraction = await runLiteTask(http, deps.parser, {
      input: run.input.input, spec: run.outputSpec, sourcePolicy: run.input.source_policy,
    }, signal, progress);
    return { status: 'completed', output: extraction.output, derivedSchema: extraction.outputSchema ?? null };
  } catch (err) {
    if (signal.aborted && !stop.aborted) return failed(`run timed out after ${deps.timeoutMs / 1000}s`);
    deps.log.warn({ err, runId: run.id }, 'task run failed');
    return failed(err instanceof Error ? err.message : String(err));
  }
}

const failed = (message: string): TaskEnd => ({ status: 'failed', error: { ref_id: randomUUID(), message, detail: null } });
