import type {
  EVALUATION_EVENT_TYPES,
  EvalMonitorStatus,
  EvalWebhook,
  EvaluationResult,
  EvaluationStatus,
  ModelInput,
  RUN_MODES,
} from './evaluation-schemas.js';
import type { Metric, MetricResult } from './guardrail-metrics.js';

export type { EvalMonitorStatus, EvalWebhook, EvaluationStatus, ModelInput } from './evaluation-schemas.js';
export { EVALUATION_EVENT_TYPES, RUN_MODES } from './evaluation-schemas.js';

/**
 * Evaluation monitors and evaluations (DeepRails Monitor API, generation B, api.md §7.3), as the
 * rest of Vigil sees them; their wire shapes are in evaluation-schemas.ts and domain/wire.ts.
 */

export type RunMode = (typeof RUN_MODES)[number];
/** Generation B's default run mode. */
export const DEFAULT_RUN_MODE: RunMode = 'smart';

/** The wake-up hint's topic for queued evaluations: it wakes the evaluation worker alone. */
export const EVALUATION_HINT = 'evaluations';
/** Generation C's fastest modes run without web or file search. */
export const SEARCHLESS_RUN_MODES: readonly RunMode[] = ['super_fast', 'ultra_fast'];

export type EvaluationEventType = (typeof EVALUATION_EVENT_TYPES)[number];

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
  result: EvaluationResult;
  errorMessage: string | null;
  evalTime: number | null;
  cost: number | null;
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** An uploaded file: its name and size on the wire, its text for `file_search` evidence. */
export interface EvalFile {
  id: string;
  accountId: string;
  name: string;
  size: number;
  contentType: string;
  text: string;
  createdAt: number;
}

/** The result map of the wire: `{metric: {score, rationale, threshold, passed}}`, or null until completed. */
export function resultOf(results: readonly MetricResult[]): Evaluation['result'] {
  const out: NonNullable<Evaluation['result']> = {};
  for (const r of results) {
    if ('score' in r) out[r.metric] = { score: r.score, rationale: r.rationale, threshold: r.threshold, passed: r.passed, judge: r.judge };
  }
  return out;
}
