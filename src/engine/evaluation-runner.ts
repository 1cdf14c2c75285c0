import type { FastifyBaseLogger } from 'fastify';
import { resultOf, type EvalFile, type EvalMonitor, type Evaluation } from '../domain/evaluation.js';
import { evaluationDetailRecord } from '../domain/wire.js';
import { evaluationDeliveries } from '../delivery/evaluation-webhooks.js';
import { logTopic } from '../delivery/log-fanout.js';
import { EVALUATION_LOG } from '../delivery/log-sources.js';
import type { EvaluationInput } from '../evaluation/input.js';
import { scoreLite, type Metric, type MetricResult } from '../evaluation/metrics.js';
import { scoreWithModel, type MetricJudge } from '../evaluation/model-judge.js';
import { metrics } from '../metrics.js';
import { judgeUnits } from '../research/judge.js';
import type { ModelClient, ModelUsage, ModelWork, UsageMeter } from '../research/model.js';
import { insertModelUsage } from '../store/model-usage.repository.js';
import type { Store, Tx } from '../store/db.js';
import { insertDeliveries } from '../store/deliveries.repository.js';
import { findEvalFiles, lockAndReadEvalMonitor, lockEvalMonitor } from '../store/eval-monitors.repository.js';
import {
  claimEvaluations,
  finishEvaluation,
  insertEvaluationLog,
  markEvaluationProgress,
  releaseEvaluation,
  renewEvaluationLeases,
  type EvaluationEnd,
} from '../store/evaluations.repository.js';
import { createLeasedRunner, MAX_ATTEMPTS, type Job, type LeasedKind, type RunnerSettings } from './leased-runner.js';
import type { Loop } from './loop.js';

/** What running evaluations needs. */
export interface EvaluationRunnerDeps {
  store: Store;
  clock: () => number;
  log: FastifyBaseLogger;
  workerId: string;
  /** The configured model server: when present, metrics are judged by it; otherwise by the `lite` scorers. */
  model?: ModelClient;
}

/** A leased evaluation, with the monitor and files read when it was claimed (no monitor: it was deleted). */
interface Leased {
  evaluation: Evaluation;
  monitor: EvalMonitor | undefined;
  files: EvalFile[];
}

/** An evaluation's end, with the model tokens it spent (committed with it). */
type EvalEnd = EvaluationEnd & { usage?: ModelUsage };

/** The usage meter of each evaluation being judged by the model, so that a timeout still records what was spent. */
const meters = new WeakMap<Leased, UsageMeter>();

/**
 * How long a wake-up waits for more: submissions come one request at a time, and a claim per
 * submission cost more than a batch claim of those that arrive in the meantime.
 */
export const WAKE_COALESCE_MS = 10;

/** Leases queued evaluations and runs up to `concurrency` of them at once (src/engine/leased-runner.ts). */
export function createEvaluationWorker(deps: EvaluationRunnerDeps & RunnerSettings): Loop {
  const runner = createLeasedRunner(evaluationWork(deps), deps);
  let timer: NodeJS.Timeout | undefined;
  return {
    start: () => runner.start(),
    wake: () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        runner.wake();
      }, WAKE_COALESCE_MS);
    },
    stop: async () => {
      clearTimeout(timer);
      timer = undefined;
      await runner.stop();
    },
  };
}

/**
 * Evaluations as leased work: claimed in batches, each logged as in progress in the claim's own
 * transaction; what runs is the model judge when a model is configured, else the lite scorers,
 * metric by metric (progress recorded as it goes); what commits is the evaluation's end, its model
 * usage, its log entry and its webhook message, in group commits.
 */
export function evaluationWork(deps: EvaluationRunnerDeps): LeasedKind<Leased, EvalEnd> {
  const { db } = deps.store;
  const claimMany = (now: number, leaseUntil: number, max: number) => claimAndStart(deps, now, leaseUntil, max);
  return {
    name: 'evaluation-worker',
    noun: 'evaluation',
    id: (l) => l.evaluation.id,
    attempts: (l) => l.evaluation.attempts,
    claim: async (now, leaseUntil) => (await claimMany(now, leaseUntil, 1))[0],
    claimMany,
    renew: (ids, _now, leaseUntil) => renewEvaluationLeases(db, ids, deps.workerId, leaseUntil),
    release: (l) => releaseEvaluation(db, l.evaluation.id, deps.workerId),
    perform: (l, job) => evaluate(deps, l, job),
    failed: (l, message) => failedEnd(message, 0, meters.get(l)),
    groupCommit: true,
    commitOrder: (l) => l.evaluation.monitorId,
    commit: (tx, l, end, now) => commitEnd(deps, tx, l, end, now),
    logTopic: (l) => logTopic(EVALUATION_LOG, l.evaluation.monitorId),
  };
}

/**
 * Leases up to `max` evaluations and logs each as in progress, in one transaction: the status and
 * its log entry become visible together. Monitors are locked (and read) in id order, so claims and
 * group commits in other processes take the same locks in the same order.
 */
async function claimAndStart(deps: EvaluationRunnerDeps, now: number, leaseUntil: number, max: number): Promise<Leased[]> {
  const leased = await deps.store.db.transaction().execute(async (tx) => {
    const evaluations = await claimEvaluations(tx, deps.store.dialect, { workerId: deps.workerId, now, leaseUntil, max });
    if (evaluations.length === 0) return [];
    const monitors = new Map<string, { monitor: EvalMonitor | undefined; files: EvalFile[] }>();
    for (const id of [...new Set(evaluations.map((e) => e.monitorId))].sort()) {
      const monitor = await lockAndReadEvalMonitor(tx, id);
      monitors.set(id, { monitor, files: monitor ? await findEvalFiles(tx, monitor.accountId, monitor.settings.fileSearch) : [] });
    }
    const started = evaluations.map((evaluation) => ({ evaluation, ...monitors.get(evaluation.monitorId)! }));
    // One past its last attempt is failed by the runner without running: it does not start.
    await insertEvaluationLog(
      tx,
      started
        .filter((l) => l.monitor && l.evaluation.attempts <= MAX_ATTEMPTS)
        .map((l) => ({
          monitorId: l.evaluation.monitorId,
          evaluationId: l.evaluation.id,
          type: 'evaluation.in_progress',
          body: evaluationDetailRecord(l.evaluation, l.monitor!, l.files),
          createdAt: now,
        })),
    );
    return started;
  });
  // The in-progress entries are in the monitors' logs now: live streams in every process read them.
  for (const id of new Set(leased.map((l) => l.evaluation.monitorId))) deps.store.logHints.notify(logTopic(EVALUATION_LOG, id));
  return leased;
}

/**
 * The monitors whose rows a transaction already locked. A group commit writes many evaluations of
 * one monitor in one transaction; locking its row again for each would only add statements.
 */
const lockedIn = new WeakMap<Tx, Set<string>>();

/** The scorers' input: context entries flattened to their text, the monitor's files as evidence. */
function scorerInput(evaluation: Evaluation, files: readonly EvalFile[]): EvaluationInput {
  const { user_prompt, system_prompt, ground_truth, context } = evaluation.modelInput;
  return {
    userPrompt: user_prompt,
    systemPrompt: system_prompt,
    groundTruth: ground_truth,
    context: (context ?? []).map((c) => (typeof c === 'string' ? c : (c.content ?? ''))).filter(Boolean),
    files: files.map((f) => f.text).filter(Boolean),
    modelOutput: evaluation.modelOutput,
  };
}

/** A failed end; tokens spent on it were spent all the same, and cost what they cost. */
function failedEnd(message: string, evalTime: number, meter?: UsageMeter): EvalEnd {
  return { status: 'failed', result: null, errorMessage: message, evalTime, ...spent(meter) };
}

/** The cost (0 without prices) and usage of a meter, if it was used. */
function spent(meter: UsageMeter | undefined): { cost: number; usage?: ModelUsage } {
  if (!meter?.used) return { cost: 0 };
  const usage = meter.snapshot();
  return { cost: usage.costUsd ?? 0, usage };
}

/** Scores a leased evaluation; undefined when its monitor is gone or its lease was lost meanwhile. */
async function evaluate(deps: EvaluationRunnerDeps, leased: Leased, job: Job): Promise<EvalEnd | undefined> {
  const { evaluation, monitor, files } = leased;
  if (!monitor) return undefined;
  const input = scorerInput(evaluation, files);
  const thresholds = monitor.settings.thresholds;
  if (!deps.model) return score(deps, evaluation, (metric) => scoreLite(input, [metric], thresholds)[0], job);
  const meter = deps.model.meter();
  meters.set(leased, meter);
  const judge = modelJudge(deps.model, { deadline: job.deadline, signal: job.signal, usage: meter });
  const end = await score(deps, evaluation, (metric) => scoreWithModel(judge, input, metric, evaluation.runMode, thresholds), job, true);
  return end && { ...end, ...spent(meter) };
}

/**
 * The model judge evaluation/ declares, wired to the model client and the unit judge of research/.
 * One evaluation asks each extraction once: correctness, context and ground-truth adherence judge
 * the same claims of the output.
 */
function modelJudge(model: ModelClient, work: ModelWork): MetricJudge {
  const extracted = new Map<string, Promise<unknown>>();
  return {
    model: model.model,
    extract: (request) => {
      const key = `${request.name}\n${request.system}\n${request.user}`;
      let answer = extracted.get(key);
      if (!answer) extracted.set(key, (answer = model.json(request, work)));
      return answer;
    },
    judge: (question, units, passes, rules) => judgeUnits(model, question, units, passes, work, rules),
  };
}

/**
 * How long the scorers may run before they let requests, heartbeats and timers in. The slice is
 * shared by every evaluation in the process: yielding after each metric instead interleaved all the
 * evaluations in flight, so each took as long as all of them together, and the progress writes
 * that slow evaluations earn (a statement each) cost more than the scoring.
 */
const SLICE_MS = 10;
let sliceStartedAt = performance.now();

async function yieldWhenSliceIsUsed(): Promise<void> {
  if (performance.now() - sliceStartedAt < SLICE_MS) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  sliceStartedAt = performance.now();
}

/**
 * Scores metric by metric, so progress moves and a stop, timeout or lost lease is noticed between
 * metrics. Model-judged metrics take seconds each, so their progress is written after every one.
 */
async function score(
  deps: EvaluationRunnerDeps,
  evaluation: Evaluation,
  scoreOne: (metric: Metric) => MetricResult | Promise<MetricResult>,
  job: Job,
  everyMetric = false,
): Promise<EvaluationEnd | undefined> {
  const startedAt = performance.now();
  const results: MetricResult[] = [];
  let lastProgressAt = startedAt;
  for (const [i, metric] of evaluation.guardrailMetrics.entries()) {
    await yieldWhenSliceIsUsed();
    if (job.signal.aborted) return undefined;
    const result = scoreOne(metric);
    // Lite scorers answer at once: awaiting only the model's answers keeps them off the microtask queue.
    results.push(result instanceof Promise ? await result : result);
    if (job.signal.aborted) return undefined;
    // Lite scorers take milliseconds; progress is written only when a client could see it move.
    if ((everyMetric || performance.now() - lastProgressAt > 250) && i < evaluation.guardrailMetrics.length - 1) {
      lastProgressAt = performance.now();
      const progress = Math.round((100 * (i + 1)) / evaluation.guardrailMetrics.length);
      if (!(await markEvaluationProgress(deps.store.db, evaluation.id, deps.workerId, progress))) return undefined;
    }
  }
  const evalTime = (performance.now() - startedAt) / 1000;
  const errors = results.filter((r): r is Extract<MetricResult, { error: string }> => 'error' in r);
  if (errors.length === results.length) return failedEnd(errors.map((e) => e.error).join('\n'), evalTime);
  return {
    status: 'completed',
    result: resultOf(results),
    evalTime,
    cost: 0,
    errorMessage: errors.length > 0 ? errors.map((e) => e.error).join('\n') : null,
  };
}

/** Records the end, its log entry and its webhook message, if this worker still holds the lease (false otherwise, having written nothing). */
async function commitEnd(deps: EvaluationRunnerDeps, tx: Tx, leased: Leased, end: EvalEnd, now: number): Promise<false | number> {
  const { evaluation, monitor, files } = leased;
  if (!monitor) return 0;
  if (!(await finishEvaluation(tx, evaluation.id, deps.workerId, end, now))) return false;
  if (end.usage) {
    await insertModelUsage(tx, { kind: 'evaluation', id: evaluation.id, accountId: evaluation.accountId }, end.usage, now);
    metrics.modelUsage('evaluation', end.usage);
  }
  const finished: Evaluation = {
    ...evaluation,
    status: end.status,
    progress: 100,
    result: end.result,
    errorMessage: end.errorMessage,
    evalTime: end.evalTime,
    cost: end.cost,
    finishedAt: now,
  };
  const type = end.status === 'completed' ? 'evaluation.completed' : 'evaluation.failed';
  const body = evaluationDetailRecord(finished, monitor, files);
  const locked = lockedIn.get(tx) ?? new Set<string>();
  if (!locked.has(monitor.id)) {
    await lockEvalMonitor(tx, monitor.id);
    locked.add(monitor.id);
    lockedIn.set(tx, locked);
  }
  await insertEvaluationLog(tx, [{ monitorId: monitor.id, evaluationId: evaluation.id, type, body, createdAt: now }]);
  const deliveries = evaluationDeliveries(monitor, type, evaluation.id, body, now);
  await insertDeliveries(tx, deliveries);
  return deliveries.length;
}
