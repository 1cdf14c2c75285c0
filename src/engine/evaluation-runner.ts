import type { FastifyBaseLogger } from 'fastify';
import { evaluationDetailRecord, resultOf, type EvalFile, type EvalMonitor, type Evaluation } from '../domain/evaluation.js';
import { evaluationDeliveries } from '../delivery/evaluation-webhooks.js';
import type { EvaluationInput } from '../evaluation/input.js';
import { scoreLite, type MetricResult } from '../evaluation/metrics.js';
import type { Store } from '../store/db.js';
import { insertDeliveries } from '../store/deliveries.repository.js';
import { findEvalFiles, findEvalMonitorById } from '../store/eval-monitors.repository.js';
import {
  appendEvaluationLog, claimEvaluation, finishEvaluation, markEvaluationProgress, releaseEvaluation, type EvaluationEnd,
} from '../store/evaluations.repository.js';
import { MAX_ATTEMPTS } from './execution-runner.js';
import { createLeasePool } from './lease-pool.js';
import type { Loop } from './loop.js';
import { leaseMs } from './worker.js';

/** What running evaluations needs. */
export interface EvaluationRunnerDeps {
  store: Store;
  clock: () => number;
  log: FastifyBaseLogger;
  workerId: string;
  timeoutMs: number;
}

/** Leases queued evaluations and runs up to `concurrency` of them at once. */
export function createEvaluationWorker(deps: EvaluationRunnerDeps & { concurrency: number; intervalMs: number }): Loop {
  return createLeasePool<Evaluation>({
    name: 'evaluation-worker',
    concurrency: deps.concurrency,
    intervalMs: deps.intervalMs,
    log: deps.log,
    claim: () => {
      const now = deps.clock();
      return claimEvaluation(deps.store.db, deps.store.dialect, { workerId: deps.workerId, now, leaseUntil: now + leaseMs(deps.timeoutMs) });
    },
    run: (evaluation, stop) => runEvaluation(deps, evaluation, stop),
    release: (evaluation) => releaseEvaluation(deps.store.db, evaluation.id, deps.workerId),
  });
}

/** The scorers' input: context entries flattened to their text, the monitor's files as evidence. */
function scorerInput(evaluation: Evaluation, files: readonly EvalFile[]): EvaluationInput {
  const { user_prompt, system_prompt, ground_truth, context } = evaluation.modelInput;
  return {
    userPrompt: user_prompt, systemPrompt: system_prompt, groundTruth: ground_truth,
    context: (context ?? []).map((c) => (typeof c === 'string' ? c : c.content ?? '')).filter(Boolean),
    files: files.map((f) => f.text).filter(Boolean),
    modelOutput: evaluation.modelOutput,
  };
}

/**
 * Runs one leased evaluation: logs it as in progress, scores each metric (progress recorded as it
 * goes), then commits its end, its log entry and its webhook message in one transaction while this
 * worker still holds the lease. A stop or a lost lease commits nothing; the work is run again.
 */
export async function runEvaluation(deps: EvaluationRunnerDeps, evaluation: Evaluation, stop: AbortSignal): Promise<void> {
  const monitor = await findEvalMonitorById(deps.store.db, evaluation.monitorId);
  if (!monitor) return;
  const files = await findEvalFiles(deps.store.db, monitor.accountId, monitor.settings.fileSearch);
  const detail = (e: Evaluation) => evaluationDetailRecord(e, monitor, files);
  const started = await deps.store.db.transaction().execute(async (tx) => {
    if (!(await markEvaluationProgress(tx, evaluation.id, deps.workerId, 0))) return false;
    await appendEvaluationLog(tx, { monitorId: monitor.id, evaluationId: evaluation.id, type: 'evaluation.in_progress', body: detail(evaluation), createdAt: deps.clock() });
    return true;
  });
  if (!started) return;
  const end = evaluation.attempts > MAX_ATTEMPTS
    ? failedEnd(`evaluation abandoned after ${MAX_ATTEMPTS} attempts: the worker running it stopped each time`, 0)
    : await score(deps, evaluation, scorerInput(evaluation, files), monitor.settings.thresholds, stop);
  if (!end || stop.aborted) return;
  await commitEnd(deps, monitor, evaluation, end, detail);
}

function failedEnd(message: string, evalTime: number): EvaluationEnd {
  return { status: 'failed', result: null, errorMessage: message, evalTime, cost: 0 };
}

/** Scores metric by metric so progress moves and a stop is noticed between metrics; undefined when stopped. */
async function score(
  deps: EvaluationRunnerDeps, evaluation: Evaluation, input: EvaluationInput, thresholds: EvalMonitor['settings']['thresholds'], stop: AbortSignal,
): Promise<EvaluationEnd | undefined> {
  const startedAt = performance.now();
  const deadline = Date.now() + deps.timeoutMs;
  const results: MetricResult[] = [];
  let lastProgressAt = startedAt;
  for (const [i, metric] of evaluation.guardrailMetrics.entries()) {
    if (stop.aborted) return undefined;
    if (Date.now() > deadline) return failedEnd(`evaluation timed out after ${deps.timeoutMs / 1000}s`, (performance.now() - startedAt) / 1000);
    results.push(...scoreLite(input, [metric], thresholds));
    // Lite scorers take milliseconds; progress is written only when a client could see it move.
    if (performance.now() - lastProgressAt > 250 && i < evaluation.guardrailMetrics.length - 1) {
      lastProgressAt = performance.now();
      const held = await markEvaluationProgress(deps.store.db, evaluation.id, deps.workerId, Math.round((100 * (i + 1)) / evaluation.guardrailMetrics.length));
      if (!held) return undefined;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const evalTime = (performance.now() - startedAt) / 1000;
  const errors = results.filter((r): r is Extract<MetricResult, { error: string }> => 'error' in r);
  if (errors.length === results.length) return failedEnd(errors.map((e) => e.error).join('\n'), evalTime);
  return {
    status: 'completed', result: resultOf(results), evalTime, cost: 0,
    errorMessage: errors.length > 0 ? errors.map((e) => e.error).join('\n') : null,
  };
}

async function commitEnd(
  deps: EvaluationRunnerDeps, monitor: EvalMonitor, evaluation: Evaluation, end: EvaluationEnd, detail: (e: Evaluation) => unknown,
): Promise<void> {
  const now = deps.clock();
  const finished: Evaluation = { ...evaluation, status: end.status, progress: 100, result: end.result, errorMessage: end.errorMessage, evalTime: end.evalTime, cost: end.cost, finishedAt: now };
  const type = end.status === 'completed' ? 'evaluation.completed' : 'evaluation.failed';
  const body = detail(finished);
  const deliveries = evaluationDeliveries(monitor, type, evaluation.id, body, now);
  const committed = await deps.store.db.transaction().execute(async (tx) => {
    if (!(await finishEvaluation(tx, evaluation.id, deps.workerId, end, now))) return false;
    await appendEvaluationLog(tx, { monitorId: monitor.id, evaluationId: evaluation.id, type, body, createdAt: now });
    await insertDeliveries(tx, deliveries);
    return true;
  });
  if (!committed) deps.log.warn({ evaluationId: evaluation.id }, 'lease on evaluation was lost; its result was not committed');
  else if (deliveries.length > 0) deps.store.workHints.notify();
}
