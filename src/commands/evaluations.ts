import type { CreateEvalMonitorBody, SubmitEventBody, UpdateEvalMonitorBody } from '../domain/evaluation-schemas.js';
import { DEFAULT_RUN_MODE, EVALUATION_HINT, type EvalMonitor, type EvalMonitorSettings, type Evaluation } from '../domain/evaluation.js';
import { evaluationDetailRecord } from '../domain/wire.js';
import { checkEvalMonitorSettings, checkRunMode } from '../domain/evaluation-rules.js';
import { ID } from '../domain/ids.js';
import { AppError, validationError } from '../errors.js';
import type { Store } from '../store/db.js';
import { findEvalFiles, findEvalMonitor, insertEvalMonitor, lockAndReadEvalMonitor, updateEvalMonitor } from '../store/eval-monitors.repository.js';
import { logTopic } from '../delivery/log-fanout.js';
import { EVALUATION_LOG } from '../delivery/log-sources.js';
import { findEvaluation, insertEvaluation, insertEvaluationLog } from '../store/evaluations.repository.js';

/** What evaluation commands need. */
export interface EvaluationCommandDeps {
  store: Store;
  clock: () => number;
  wake: (topic?: string) => void;
}

/** The account's evaluation monitor, or a 404 as if it did not exist. */
export async function requireEvalMonitor(deps: EvaluationCommandDeps, accountId: string, id: string): Promise<EvalMonitor> {
  const monitor = await findEvalMonitor(deps.store.db, accountId, id);
  if (!monitor) throw new AppError('MONITOR_NOT_FOUND');
  return monitor;
}

/** The account's evaluation of one of its monitors, or a 404. */
export async function requireEvaluation(deps: EvaluationCommandDeps, accountId: string, monitorId: string, id: string): Promise<Evaluation> {
  const evaluation = await findEvaluation(deps.store.db, accountId, monitorId, id);
  if (!evaluation) throw new AppError('EVALUATION_NOT_FOUND');
  return evaluation;
}

async function validated(deps: EvaluationCommandDeps, accountId: string, settings: EvalMonitorSettings): Promise<void> {
  const files = await findEvalFiles(deps.store.db, accountId, settings.fileSearch);
  const problems = checkEvalMonitorSettings(settings, new Set(files.map((f) => f.id)));
  if (problems.length > 0) throw validationError(problems);
}

/** Creates an active evaluation monitor. */
export async function createEvalMonitor(deps: EvaluationCommandDeps, accountId: string, body: CreateEvalMonitorBody): Promise<EvalMonitor> {
  const now = deps.clock();
  const settings: EvalMonitorSettings = {
    guardrailMetrics: body.guardrail_metrics,
    thresholds: body.thresholds ?? {},
    webSearch: body.web_search ?? false,
    fileSearch: body.file_search ?? [],
    contextAwareness: body.context_awareness ?? false,
    webhook: body.webhook ?? null,
  };
  await validated(deps, accountId, settings);
  const monitor: EvalMonitor = {
    id: ID.evalMonitor(),
    accountId,
    name: body.name,
    description: body.description ?? null,
    status: 'active',
    settings,
    createdAt: now,
    updatedAt: now,
  };
  await insertEvalMonitor(deps.store.db, monitor);
  return monitor;
}

/** Applies a partial update; fields not sent keep their values. */
export async function updateEvalMonitorCommand(deps: EvaluationCommandDeps, accountId: string, id: string, body: UpdateEvalMonitorBody): Promise<EvalMonitor> {
  const current = await requireEvalMonitor(deps, accountId, id);
  const s = current.settings;
  const settings: EvalMonitorSettings = {
    guardrailMetrics: body.guardrail_metrics ?? s.guardrailMetrics,
    thresholds: body.thresholds ?? s.thresholds,
    webSearch: body.web_search ?? s.webSearch,
    fileSearch: body.file_search ?? s.fileSearch,
    contextAwareness: body.context_awareness ?? s.contextAwareness,
    webhook: body.webhook === undefined ? s.webhook : body.webhook,
  };
  await validated(deps, accountId, settings);
  const updated: EvalMonitor = {
    ...current,
    settings,
    updatedAt: deps.clock(),
    name: body.name ?? current.name,
    description: body.description === undefined ? current.description : body.description,
    status: body.status ?? body.monitor_status ?? current.status,
  };
  await updateEvalMonitor(deps.store.db, updated);
  return updated;
}

/**
 * Queues one evaluation of a model output on an active monitor, and logs it as queued in the same
 * transaction; an inactive monitor refuses it with a 409. The monitor is read under the lock the
 * log append takes anyway, so the check and the insert see one state of it.
 */
export async function submitEvaluation(deps: EvaluationCommandDeps, accountId: string, monitorId: string, body: SubmitEventBody): Promise<Evaluation> {
  const evaluation = await deps.store.db.transaction().execute(async (tx) => {
    const monitor = await lockAndReadEvalMonitor(tx, monitorId, accountId);
    if (!monitor) throw new AppError('MONITOR_NOT_FOUND');
    if (monitor.status !== 'active') throw new AppError('MONITOR_INACTIVE');
    const queued = queuedEvaluation(deps, accountId, monitor, body);
    await insertEvaluation(tx, queued);
    await insertEvaluationLog(tx, [
      {
        monitorId,
        evaluationId: queued.id,
        type: 'evaluation.queued',
        createdAt: queued.createdAt,
        body: evaluationDetailRecord(queued, monitor, await findEvalFiles(tx, accountId, monitor.settings.fileSearch)),
      },
    ]);
    return queued;
  });
  deps.store.logHints.notify(logTopic(EVALUATION_LOG, monitorId));
  deps.wake(EVALUATION_HINT);
  return evaluation;
}

/** A new queued evaluation of a submitted body, or a 4xx naming what its run mode lacks. */
function queuedEvaluation(deps: EvaluationCommandDeps, accountId: string, monitor: EvalMonitor, body: SubmitEventBody): Evaluation {
  const runMode = body.run_mode ?? DEFAULT_RUN_MODE;
  const problems = checkRunMode(runMode, monitor.settings);
  if (problems.length > 0) throw validationError(problems);
  const { user_prompt, system_prompt, ground_truth, context } = body.model_input;
  const now = deps.clock();
  return {
    id: ID.evaluation(),
    monitorId: monitor.id,
    accountId,
    status: 'queued',
    progress: 0,
    runMode,
    nametag: body.nametag ?? null,
    modelInput: {
      user_prompt,
      ...(system_prompt != null ? { system_prompt } : {}),
      ...(ground_truth != null ? { ground_truth } : {}),
      ...(context != null ? { context } : {}),
    },
    modelOutput: body.model_output,
    guardrailMetrics: body.guardrail_metrics ?? monitor.settings.guardrailMetrics,
    result: null,
    errorMessage: null,
    evalTime: null,
    cost: null,
    attempts: 0,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
  };
}
