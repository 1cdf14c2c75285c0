import type { FastifyBaseLogger } from 'fastify';
import { evaluationDetailRecord, resultOf, type EvalFile, type EvalMonitor, type Evaluation } from '../domain/evaluation.js';
import { evaluationDeliveries } from '../delivery/evaluation-webhooks.js';
import { logTopic } from '../delivery/log-fanout.js';
import { EVALUATION_LOG } from '../delivery/log-sources.js';
import type { EvaluationInput } from '../evaluation/input.js';
import { scoreLite, type MetricResult } from '../evaluation/metrics.js';
import type { Store, Tx } from '../store/db.js';
import { insertDeliveries } from '../store/deliveries.repository.js';
import { findEvalFiles, findEvalMonitorById } from '../store/eval-monitors.repository.js';
import {
  appendEvaluationLog, claimEvaluation, finishEvaluation, markEvaluationProgress, releaseEvaluation, renewEvaluationLeases,
  type EvaluationEnd,
} from '../store/evaluations.repository.js';
import { createLeasedRunner, type Job, type LeasedKind, type RunnerSettings } from './leased-runner.js';
import type { Loop } from './loop.js';

/** What running evaluations needs. */
export interface EvaluationRunnerDeps {
  store: Store;
  clock: () => number;
  log: FastifyBaseLogger;
  workerId: string;
}

/** What an evaluation commits: its end, with the monitor and files it was scored against. */
interface Scored { end: EvaluationEnd; monitor?: EvalMonitor; files: EvalFile[] }

/** Leases queued evaluations and runs up to `concurrency` of them at once (src/engine/leased-runner.ts). */
export function createEvaluationWorker(deps: EvaluationRunnerDeps & RunnerSettings): Loop {
  return createLeasedRunner(evaluationWork(deps), deps);
}

/**
 * Evaluations as leased work: what runs is the lite scorers, metric by metric (progress recorded as
 * it goes); what commits is the evaluation's end, its log entry and its webhook message.
 */
export function evaluationWork(deps: EvaluationRunnerDeps): LeasedKind<Evaluation, Scored> {
  const { db, dialect } = deps.store;
  return {
    name: 'evaluation-worker',
    noun: 'evaluation',
    id: (e) => e.id,
    attempts: (e) => e.attempts,
    claim: (now, leaseUntil) => claimEvaluation(db, dialect, { workerId: deps.workerId, now, leaseUntil }),
    renew: (ids, _now, leaseUntil) => renewEvaluationLeases(db, ids, deps.workerId, leaseUntil),
    release: (e) => releaseEvaluation(db, e.id, deps.workerId),
    perform: (e, job) => evaluate(deps, e, job),
    failed: (_e, message) => ({ end: failedEnd(message, 0), files: [] }),
    commit: (tx, e, scored, now) => commitEnd(deps, tx, e, scored, now),
    logTopic: (e) => logTopic(EVALUATION_LOG, e.monitorId),
  };
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

function failedEnd(message: string, evalTime: number): EvaluationEnd {
  return { status: 'failed', result: null, errorMessage: message, evalTime, cost: 0 };
}

/** Logs the evaluation as in progress, then scores it; undefined when its lease was lost meanwhile. */
async function evaluate(deps: EvaluationRunnerDeps, evaluation: Evaluation, job: Job): Promise<Scored | undefined> {
  const monitor = await findEvalMonitorById(deps.store.db, evaluation.monitorId);
  if (!monitor) return undefined;
  const files = await findEvalFiles(deps.store.db, monitor.accountId, monitor.settings.fileSearch);
  const started = await deps.store.db.transaction().execute(async (tx) => {
    if (!(await markEvaluationProgress(tx, evaluation.id, deps.workerId, 0))) return false;
    await appendEvaluationLog(tx, {
      monitorId: monitor.id, evaluationId: evaluation.id, type: 'evaluation.in_progress',
      body: evaluationDetailRecord(evaluation, monitor, files), createdAt: deps.clock(),
    });
    return true;
  });
  if (!started) return undefined;
  deps.store.logHints.notify(logTopic(EVALUATION_LOG, monitor.id));
  const end = await score(deps, evaluation, scorerInput(evaluation, files), monitor.settings.thresholds, job);
  return end && { end, monitor, files };
}

/** Scores metric by metric, so progress moves and a stop, timeout or lost lease is noticed between metrics. */
async function score(
  deps: EvaluationRunnerDeps, evaluation: Evaluation, input: EvaluationInput, thresholds: EvalMonitor['settings']['thresholds'], job: Job,
): Promise<EvaluationEnd | undefined> {
  const startedAt = performance.now();
  const results: MetricResult[] = [];
  let lastProgressAt = startedAt;
  for (const [i, metric] of evaluation.guardrailMetrics.entries()) {
    if (job.signal.aborted) return undefined;
    results.push(...scoreLite(input, [metric], thresholds));
    // Lite scorers take milliseconds; progress is written only when a client could see it move.
    if (performance.now() - lastProgressAt > 250 && i < evaluation.guardrailMetrics.length - 1) {
      lastProgressAt = performance.now();
      const progress = Math.round((100 * (i + 1)) / evaluation.guardrailMetrics.length);
      if (!(await markEvaluationProgress(deps.store.db, evaluation.id, deps.workerId, progress))) return undefined;
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

/** Records the end, its log entry and its webhook message, if this worker still holds the lease (false otherwise). */
async function commitEnd(deps: EvaluationRunnerDeps, tx: Tx, evaluation: Evaluation, scored: Scored, now: number): Promise<false | number> {
  const monitor = scored.monitor ?? await findEvalMonitorById(tx, evaluation.monitorId);
  if (!monitor) return 0;
  // A failure recorded by the runner (timeout, too many attempts) did not read the files itself.
  const files = scored.monitor ? scored.files : await findEvalFiles(tx, monitor.accountId, monitor.settings.fileSearch);
  const { end } = scored;
  if (!(await finishEvaluation(tx, evaluation.id, deps.workerId, end, now))) return false;
  const finished: Evaluation = {
    ...evaluation, status: end.status, progress: 100, result: end.result, errorMessage: end.errorMessage,
    evalTime: end.evalTime, cost: end.cost, finishedAt: now,
  };
  const type = end.status === 'completed' ? 'evaluation.completed' : 'evaluation.failed';
  const body = evaluationDetailRecord(finished, monitor, files);
  await appendEvaluationLog(tx, { monitorId: monitor.id, evaluationId: evaluation.id, type, body, createdAt: now });
  const deliveries = evaluationDeliveries(monitor, type, evaluation.id, body, now);
  await insertDeliveries(tx, deliveries);
  return deliveries.length;
}
