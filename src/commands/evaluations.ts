import type { CreateEvalMonitorBody, SubmitEventBody, UpdateEvalMonitorBody } from '../domain/evaluation-schemas.js';
import {
  DEFAULT_RUN_MODE, evaluationDetailRecord, type EvalMonitor, type EvalMonitorSettings, type Evaluation, type RunMode,
} from '../domain/evaluation.js';
import { checkEvalMonitorSettings, checkRunMode } from '../domain/evaluation-rules.js';
import { ID } from '../domain/ids.js';
import { AppError, validationError } from '../errors.js';
import type { Store } from '../store/db.js';
import {
  findEvalFiles, findEvalMonitor, insertEvalMonitor, updateEvalMonitor,
} from '../store/eval-monitors.repository.js';
import { logTopic } from '../delivery/log-fanout.js';
import { EVALUATION_LOG } from '../delivery/log-sources.js';
import { appendEvaluationLog, findEvaluation, insertEvaluation } from '../store/evaluations.repository.js';

/** What evaluation commands need. */
export interface EvaluationCommandDeps { store: Store; clock: () => number; wake: () => void }

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
    guardrailMetrics: body.guardrail_metrics, thresholds: body.thresholds ?? {}, webSearch: body.web_search ?? false,
    fileSearch: body.file_search ?? [], contextAwareness: body.context_awareness ?? false, webhook: body.webhook ?? null,
  };
  await validated(deps, accountId, settings);
  const monitor: EvalMonitor = {
    id: ID.evalMonitor(), accountId, name: body.name, description: body.description ?? null, status: 'active', settings,
    createdAt: now, updatedAt: now,
  };
  await insertEvalMonitor(deps.store.db, monitor);
  return monitor;
}

/** Applies a partial update; fields not sent keep their values. */
export async function updateEvalMonitorCommand(
  deps: EvaluationCommandDeps, accountId: string, id: string, body: UpdateEvalMonitorBody,
): Promise<EvalMonitor> {
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
    ...current, settings, updatedAt: deps.clock(),
    name: body.name ?? current.name,
    description: body.description === undefined ? current.description : body.description,
    status: body.status ?? body.monitor_status ?? current.status,
  };
  await updateEvalMonitor(deps.store.db, updated);
  return updated;
}

/**
 * Queues one evaluation of a model output on an active monitor, and logs it as queued in the same
 * transaction; an inactive monitor refuses it with a 409.
 */
export async function submitEvaluation(deps: EvaluationCommandDeps, accountId: string, monitorId: string, body: SubmitEventBody): Promise<Evaluation> {
  const monitor = await requireEvalMonitor(deps, accountId, monitorId);
  if (monitor.status !== 'active') throw new AppError('MONITOR_INACTIVE');
  const runMode = (body.run_mode ?? DEFAULT_RUN_MODE) as RunMode;
  const problems = checkRunMode(runMode, monitor.settings);
  if (problems.length > 0) throw validationError(problems);
  const { user_prompt, system_prompt, ground_truth, context } = body.model_input;
  const now = deps.clock();
  const evaluation: Evaluation = {
    id: ID.evaluation(), monitorId, accountId, status: 'queued', progress: 0, runMode, nametag: body.nametag ?? null,
    modelInput: {
      user_prompt,
      ...(system_prompt != null ? { system_prompt } : {}),
      ...(ground_truth != null ? { ground_truth } : {}),
      ...(context != null ? { context } : {}),
    },
    modelOutput: body.model_output, guardrailMetrics: body.guardrail_metrics ?? monitor.settings.guardrailMetrics,
    result: null, errorMessage: null, evalTime: null, cost: null, attempts: 0, createdAt: now, startedAt: null, finishedAt: null,
  };
  await deps.store.db.transaction().execute(async (tx) => {
    await insertEvaluation(tx, evaluation);
    await appendEvaluationLog(tx, {
      monitorId, evaluationId: evaluation.id, type: 'evaluation.queued', createdAt: now,
      body: evaluationDetailRecord(evaluation, monitor, await findEvalFiles(tx, accountId, monitor.settings.fileSearch)),
    });
  });
  deps.store.logHints.notify(logTopic(EVALUATION_LOG, monitorId));
  deps.wake();
  return evaluation;
}
