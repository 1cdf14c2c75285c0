import type { Metric, MetricJudgeKind, MetricResult } from './guardrail-metrics.js';

/**
 * Evaluation monitors and evaluations (DeepRails Monitor API, generation B, api.md §7.3), as the
 * rest of Vigil sees them; `*Record` functions give their wire shapes.
 */

/** Every run mode of generations B and C; stored and echoed verbatim (api.md §7.2). */
export const RUN_MODES = [
  'precision_plus', 'precision_plus_codex', 'precision', 'smart', 'economy',
  'super_fast', 'ultra_fast', 'fast', 'precision_codex', 'precision_max', 'precision_max_codex',
] as const;
export type RunMode = (typeof RUN_MODES)[number];
/** Generation B's default run mode. */
export const DEFAULT_RUN_MODE: RunMode = 'smart';

/** The wake-up hint's topic for queued evaluations: it wakes the evaluation worker alone. */
export const EVALUATION_HINT = 'evaluations';
/** Generation C's fastest modes run without web or file search. */
export const SEARCHLESS_RUN_MODES: readonly RunMode[] = ['super_fast', 'ultra_fast'];

export type EvalMonitorStatus = 'active' | 'inactive';
export type EvaluationStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'canceled';

/** The webhook event types of evaluation monitors (a Vigil extension to the DeepRails API). */
export const EVALUATION_EVENT_TYPES = ['evaluation.completed', 'evaluation.failed'] as const;
export type EvaluationEventType = (typeof EVALUATION_EVENT_TYPES)[number];

/** The webhook an evaluation monitor pushes to (a Vigil extension). */
export interface EvalWebhook { url: string; event_types?: EvaluationEventType[] }

/** What a monitor evaluates and with what. */
export interface EvalMonitorSettings {
  guardrailMetrics: Metric[];
  /** Pass thresholds per metric (a Vigil extension); defaults otherwise. */
  thresholds: Partial<Record<Metric, number>>;
  webSearch: boolean;
  fileSearch: string[];
  contextAwareness: boolean;
  webhook: EvalWebhook | null;
}

export interface EvalMonitor {
  id: string;
  accountId: string;
  name: string;
  description: string | null;
  status: EvalMonitorStatus;
  settings: EvalMonitorSettings;
  createdAt: number;
  updatedAt: number;
}

/** `model_input` as submitted; context entries kept in the shape they came in. */
export interface ModelInput {
  user_prompt: string;
  system_prompt?: string;
  ground_truth?: string;
  context?: (string | { role?: string; content?: string })[];
}

export interface Evaluation {
  id: string;
  monitorId: string;
  accountId: string;
  status: EvaluationStatus;
  progress: number;
  runMode: string;
  nametag: string | null;
  modelInput: ModelInput;
  modelOutput: string;
  guardrailMetrics: Metric[];
  /** Scored metrics by name, each with its threshold, an additive `passed` and which scorer judged it (`judge`, absent before it was recorded). */
  result: Record<string, { score: number; rationale: string; threshold: number; passed: boolean; judge?: MetricJudgeKind }> | null;
  errorMessage: string | null;
  evalTime: number | null;
  cost: number | null;
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** An uploaded file: its name and size on the wire, its text for `file_search` evidence. */
export interface EvalFile { id: string; accountId: string; name: string; size: number; contentType: string; text: string; createdAt: number }

const iso = (ms: number) => new Date(ms).toISOString();

/** The monitor's capabilities as the detail lists them. */
export function capabilitiesOf(settings: EvalMonitorSettings): { capability: string }[] {
  const out: { capability: string }[] = [];
  if (settings.webSearch) out.push({ capability: 'web_search' });
  if (settings.fileSearch.length > 0) out.push({ capability: 'file_search' });
  if (settings.contextAwareness) out.push({ capability: 'context_awareness' });
  return out;
}

/** A file as `files[]` lists it. */
export function fileRecord(file: Pick<EvalFile, 'id' | 'name' | 'size'>) {
  return { file_id: file.id, file_name: file.name, file_size: file.size };
}

/** The result map of the wire: `{metric: {score, rationale, threshold, passed}}`, or null until completed. */
export function resultOf(results: readonly MetricResult[]): Evaluation['result'] {
  const out: NonNullable<Evaluation['result']> = {};
  for (const r of results) {
    if ('score' in r) out[r.metric] = { score: r.score, rationale: r.rationale, threshold: r.threshold, passed: r.passed, judge: r.judge };
  }
  return out;
}

/** An evaluation as the monitor detail lists it (`evaluations[]`). */
export function evaluationSummaryRecord(e: Evaluation) {
  return {
    event_id: e.id,
    evaluation_status: e.status,
    model_input: e.modelInput,
    model_output: e.modelOutput,
    run_mode: e.runMode,
    created_at: iso(e.createdAt),
    error_message: e.errorMessage,
    evaluation_result: e.result,
    evaluation_total_cost: e.cost,
    guardrail_metrics: e.guardrailMetrics,
    nametag: e.nametag,
    progress: e.progress,
  };
}

/** `MonitorEventDetailResponse`: every documented field (api.md §7.3). */
export function evaluationDetailRecord(e: Evaluation, monitor: EvalMonitor, files: readonly EvalFile[]) {
  return {
    event_id: e.id,
    monitor_id: e.monitorId,
    timestamp: iso(e.createdAt),
    status: e.status,
    model_input: e.modelInput,
    model_output: e.modelOutput,
    eval_time: e.evalTime,
    run_mode: e.runMode,
    nametag: e.nametag,
    evaluation_result: e.status === 'completed' ? e.result : null,
    guardrail_metrics: e.guardrailMetrics,
    capabilities: capabilitiesOf(monitor.settings),
    files: files.map(fileRecord),
    progress: e.progress,
    error_message: e.errorMessage,
    evaluation_total_cost: e.cost,
  };
}
