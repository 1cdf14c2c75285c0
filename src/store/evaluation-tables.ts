import type { Generated } from 'kysely';

/** Row types of the evaluation tables (migration 0013). */
export interface EvalMonitorTable {
  id: string;
  account_id: string;
  name: string;
  description: string | null;
  status: string;
  /** JSON: metrics, thresholds, capabilities, file ids, webhook. */
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface EvalFileTable {
  id: string;
  account_id: string;
  name: string;
  size: number;
  content_type: string;
  text: string;
  created_at: number;
}

export interface EvaluationTable {
  id: string;
  monitor_id: string;
  account_id: string;
  status: string;
  progress: number;
  run_mode: string;
  nametag: string | null;
  model_input: string;
  model_output: string;
  guardrail_metrics: string;
  result: string | null;
  error_message: string | null;
  eval_time: number | null;
  cost: number | null;
  attempts: number;
  locked_by: string | null;
  locked_until: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface EvaluationLogTable {
  seq: Generated<number>;
  monitor_id: string;
  evaluation_id: string;
  type: string;
  body: string;
  created_at: number;
}
