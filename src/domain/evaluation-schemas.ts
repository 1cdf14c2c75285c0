import { Type, type Static } from 'typebox';
import { METRICS } from './guardrail-metrics.js';
import { Nullable } from './schema-types.js';

/**
 * Wire schemas of the DeepRails Monitor API (generation B, api.md §7.3). They live in domain/ so
 * that api/ (validation, OpenAPI) and commands/ (request types) both derive from one definition.
 */

/** Every run mode of generations B and C; stored and echoed verbatim (api.md §7.2). */
export const RUN_MODES = [
  'precision_plus',
  'precision_plus_codex',
  'precision',
  'smart',
  'economy',
  'super_fast',
  'ultra_fast',
  'fast',
  'precision_codex',
  'precision_max',
  'precision_max_codex',
] as const;
/** The webhook event types of evaluation monitors (a Vigil extension to the DeepRails API). */
export const EVALUATION_EVENT_TYPES = ['evaluation.completed', 'evaluation.failed'] as const;

const Metric = Type.Enum(METRICS, { description: 'A guardrail metric' });
const Metrics = Type.Array(Metric, { minItems: 1, maxItems: METRICS.length, uniqueItems: true });
const Thresholds = Type.Partial(Type.Object(Object.fromEntries(METRICS.map((m) => [m, Type.Number({ minimum: 0, maximum: 1 })]))), {
  additionalProperties: false,
  description: 'Pass threshold per metric (Vigil extension)',
});
const FileIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100 });
const Webhook = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048 }),
    event_types: Type.Optional(Type.Array(Type.Enum(EVALUATION_EVENT_TYPES), { maxItems: 2 })),
  },
  { description: 'Where evaluation outcomes are pushed, signed (Vigil extension)' },
);
export type EvalWebhook = Static<typeof Webhook>;
const Status = Type.Union([Type.Literal('active'), Type.Literal('inactive')]);
export type EvalMonitorStatus = Static<typeof Status>;
const Text = (max: number) => Type.String({ maxLength: max });

export const CreateEvalMonitorBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256 }),
  guardrail_metrics: Metrics,
  description: Type.Optional(Type.Union([Text(4096), Type.Null()])),
  web_search: Type.Optional(Type.Boolean()),
  file_search: Type.Optional(FileIds),
  context_awareness: Type.Optional(Type.Boolean()),
  thresholds: Type.Optional(Thresholds),
  webhook: Type.Optional(Type.Union([Webhook, Type.Null()])),
});
export type CreateEvalMonitorBody = Static<typeof CreateEvalMonitorBody>;

export const UpdateEvalMonitorBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  description: Type.Optional(Type.Union([Text(4096), Type.Null()])),
  status: Type.Optional(Status),
  /** Generation B0's name for `status`. */
  monitor_status: Type.Optional(Status),
  guardrail_metrics: Type.Optional(Metrics),
  web_search: Type.Optional(Type.Boolean()),
  file_search: Type.Optional(FileIds),
  context_awareness: Type.Optional(Type.Boolean()),
  thresholds: Type.Optional(Thresholds),
  webhook: Type.Optional(Type.Union([Webhook, Type.Null()])),
});
export type UpdateEvalMonitorBody = Static<typeof UpdateEvalMonitorBody>;

const ContextEntry = Type.Union([Type.String({ maxLength: 200_000 }), Type.Object({ role: Type.Optional(Text(64)), content: Type.Optional(Text(200_000)) })]);

export const SubmitEventBody = Type.Object({
  model_input: Type.Object({
    user_prompt: Type.String({ minLength: 1, maxLength: 200_000 }),
    system_prompt: Type.Optional(Type.Union([Text(200_000), Type.Null()])),
    ground_truth: Type.Optional(Type.Union([Text(200_000), Type.Null()])),
    context: Type.Optional(Type.Union([Type.Array(ContextEntry, { maxItems: 200 }), Type.Null()])),
  }),
  model_output: Type.String({ maxLength: 200_000 }),
  run_mode: Type.Optional(Type.Enum(RUN_MODES)),
  nametag: Type.Optional(Type.Union([Text(256), Type.Null()])),
  /** Overrides the monitor's metrics for this event (generation B0 sent them per event). */
  guardrail_metrics: Type.Optional(Metrics),
  /** Generation B0 leftovers, accepted and ignored. */
  model_used: Type.Optional(Type.Unknown()),
});
export type SubmitEventBody = Static<typeof SubmitEventBody>;

export const MonitorParams = Type.Object({ monitor_id: Type.String({ minLength: 1, maxLength: 128 }) });
export const EventParams = Type.Object({ monitor_id: Type.String({ minLength: 1, maxLength: 128 }), event_id: Type.String({ minLength: 1, maxLength: 128 }) });
export const DetailQuery = Type.Object({ limit: Type.Integer({ minimum: 0, maximum: 1000, default: 10 }) });
export const StreamQuery = Type.Object({
  last_event_id: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  timeout: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
});

export const DeepRailsError = Type.Object({ success: Type.Boolean(), message: Type.String() }, { additionalProperties: true });

const ModelInputWire = Type.Object({
  user_prompt: Type.String(),
  system_prompt: Type.Optional(Type.String()),
  ground_truth: Type.Optional(Type.String()),
  context: Type.Optional(Type.Array(ContextEntry)),
});
/** `model_input` as submitted; context entries kept in the shape they came in. */
export type ModelInput = Static<typeof ModelInputWire>;
const MetricResultWire = Type.Object({
  score: Type.Number(),
  rationale: Type.String(),
  threshold: Type.Number(),
  passed: Type.Boolean({ description: 'score ≥ threshold (Vigil extension)' }),
  judge: Type.Optional(Type.String({ description: "which scorer judged: 'model' (VIGIL_LLM_*) or 'lite' (Vigil extension)" })),
});
const EvaluationResultWire = Nullable(Type.Record(Type.String(), MetricResultWire));
/** Scored metrics by name, each with its threshold and an additive `passed`; null until completed. */
export type EvaluationResult = Static<typeof EvaluationResultWire>;
const EvaluationStatus = Type.Enum(['queued', 'in_progress', 'completed', 'failed', 'canceled']);
export type EvaluationStatus = Static<typeof EvaluationStatus>;
const Capability = Type.Object({ capability: Type.String() });
export const FileWire = Type.Object({ file_id: Type.String(), file_name: Type.String(), file_size: Type.Integer() });

export const CreateEvalMonitorResponse = Type.Object({ monitor_id: Type.String(), status: Status, created_at: Type.String() });
export const UpdateEvalMonitorResponse = Type.Object({ monitor_id: Type.String(), status: Status, modified_at: Type.String(), name: Type.String() });
export const SubmitEventResponse = Type.Object({ event_id: Type.String(), monitor_id: Type.String(), created_at: Type.String() });

export const EvaluationSummary = Type.Object({
  event_id: Type.String(),
  evaluation_status: EvaluationStatus,
  model_input: ModelInputWire,
  model_output: Type.String(),
  run_mode: Type.String(),
  created_at: Type.String(),
  error_message: Nullable(Type.String()),
  evaluation_result: EvaluationResultWire,
  evaluation_total_cost: Nullable(Type.Number()),
  guardrail_metrics: Type.Array(Type.String()),
  nametag: Nullable(Type.String()),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
});

export const EvalMonitorDetail = Type.Object({
  monitor_id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  status: Status,
  created_at: Type.String(),
  updated_at: Type.String(),
  stats: Type.Object(
    Object.fromEntries(['total', 'completed', 'failed', 'queued', 'in_progress', 'canceled'].map((s) => [`${s}_evaluations`, Type.Integer()])),
  ),
  evaluations: Type.Array(EvaluationSummary),
  capabilities: Type.Array(Capability),
  files: Type.Array(FileWire),
  guardrail_metrics: Type.Array(Type.String()),
  thresholds: Type.Record(Type.String(), Type.Number()),
  webhook: Nullable(Webhook),
});

export const EvaluationDetail = Type.Object({
  event_id: Type.String(),
  monitor_id: Type.String(),
  timestamp: Type.String(),
  status: EvaluationStatus,
  model_input: ModelInputWire,
  model_output: Type.String(),
  eval_time: Nullable(Type.Number({ description: 'seconds' })),
  run_mode: Type.String(),
  nametag: Nullable(Type.String()),
  evaluation_result: EvaluationResultWire,
  guardrail_metrics: Type.Array(Type.String()),
  capabilities: Type.Array(Capability),
  files: Type.Array(FileWire),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  error_message: Nullable(Type.String()),
  evaluation_total_cost: Nullable(Type.Number()),
});

export const UploadResponse = Type.Object({
  file_id: Type.String(),
  file_name: Type.String(),
  file_size: Type.Integer(),
  files: Type.Array(FileWire, { description: 'Every uploaded file (Vigil extension; the first is also at the top level)' }),
});

export type CreateEvalMonitorResponse = Static<typeof CreateEvalMonitorResponse>;
export type UpdateEvalMonitorResponse = Static<typeof UpdateEvalMonitorResponse>;
export type SubmitEventResponse = Static<typeof SubmitEventResponse>;
export type EvaluationSummary = Static<typeof EvaluationSummary>;
export type EvalMonitorDetail = Static<typeof EvalMonitorDetail>;
export type EvaluationDetail = Static<typeof EvaluationDetail>;
export type FileWire = Static<typeof FileWire>;
