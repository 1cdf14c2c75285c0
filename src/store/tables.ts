import type { Generated, Selectable } from 'kysely';
import type { ModelWorkKind } from '../domain/model-usage.js';
import type { EvalFileTable, EvalMonitorTable, EvaluationLogTable, EvaluationTable } from './evaluation-tables.js';
import type { FindAllCandidateTable, FindAllEventTable, FindAllRunTable } from './findall-tables.js';

/** Every table, as Kysely sees it. Timestamps are epoch milliseconds; JSON columns hold text. */
export interface Database {
  accounts: AccountTable;
  api_keys: ApiKeyTable;
  monitors: MonitorTable;
  executions: ExecutionTable;
  events: EventTable;
  seen_items: SeenItemTable;
  item_fingerprints: ItemFingerprintTable;
  webhook_deliveries: DeliveryTable;
  webhook_endpoints: EndpointTable;
  account_notices: NoticeTable;
  test_event_groups: TestEventGroupTable;
  task_runs: TaskRunTable;
  task_run_messages: TaskRunMessageTable;
  source_health: SourceHealthTable;
  model_usage: ModelUsageTable;
  eval_monitors: EvalMonitorTable;
  eval_files: EvalFileTable;
  evaluations: EvaluationTable;
  evaluation_log: EvaluationLogTable;
  findall_runs: FindAllRunTable;
  findall_candidates: FindAllCandidateTable;
  findall_events: FindAllEventTable;
}

export interface AccountTable {
  id: string;
  name: string;
  webhook_secret: string;
  created_at: number;
  /** `raw`: the secret string's bytes are the HMAC key; `standard`: base64 after `whsec_`. */
  webhook_key_mode: Generated<string>;
  /** The secret before the last rotation, still signing until `previous_secret_until`. */
  previous_webhook_secret: string | null;
  previous_secret_until: number | null;
}

export interface ApiKeyTable {
  id: string;
  account_id: string;
  key_hash: string;
  key_prefix: string;
  created_at: number;
  name: string | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface MonitorTable {
  id: string;
  account_id: string;
  type: string;
  status: string;
  frequency: string;
  frequency_seconds: number;
  processor: string;
  settings: string;
  webhook: string | null;
  metadata: string | null;
  memory_scope_key: string | null;
  output: string | null;
  created_at: number;
  updated_at: number;
  last_run_at: number | null;
  /** When the next scheduled execution is due; null once cancelled. */
  next_run_at: number | null;
  /** The execution holding the monitor's lease, and until when; one runs at a time. */
  running_execution_id: string | null;
  /** The creation or schedule execution not yet finished: while set, due slots coalesce into it. */
  pending_execution_id: string | null;
  lease_until: number | null;
  /** The deprecated v1alpha cadence (`daily`…) the monitor was created or last updated with, if any. */
  cadence: string | null;
}

export interface ExecutionTable {
  id: string;
  monitor_id: string;
  account_id: string;
  reason: string;
  /** The schedule slot this execution fills; null for creation and trigger runs. */
  scheduled_for: number | null;
  status: string;
  outcome: string | null;
  locked_by: string | null;
  locked_until: number | null;
  attempts: number;
  created_at: number;
  /** When the attempt that holds (or held) the lease started. */
  started_at: number | null;
  finished_at: number | null;
}

export interface EventTable {
  /** Log position: strictly increasing in commit order, the basis of every cursor. */
  seq: Generated<number>;
  id: string;
  account_id: string;
  monitor_id: string;
  execution_id: string;
  kind: string;
  /** The event's wire JSON (see eventRecord), fixed once appended. */
  body: string;
  created_at: number;
}

export interface SeenItemTable {
  monitor_id: string;
  item_key: string;
  first_seen_at: number;
}

export interface ItemFingerprintTable {
  monitor_id: string;
  item_key: string;
  /** 16 hex digits of a 64-bit SimHash. */
  simhash: string;
  first_seen_at: number;
}

export type AccountRow = Selectable<AccountTable>;
export type MonitorRow = Selectable<MonitorTable>;
export type ExecutionRow = Selectable<ExecutionTable>;
export type EventRow = Selectable<EventTable>;

/** One webhook message to one URL: the outbox row; its id is the `webhook-id` of every attempt. */
export interface DeliveryTable {
  id: string;
  account_id: string;
  resource_type: string;
  resource_id: string;
  event_type: string;
  url: string;
  /** The exact body sent (and signed) on every attempt. */
  body: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  /** Retries continue until this plus the retry window; a redelivery starts a new window. */
  window_start: number;
  locked_by: string | null;
  locked_until: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface EndpointTable {
  account_id: string;
  url: string;
  status: string;
  failing_since: number | null;
  last_success_at: number | null;
  disabled_reason: string | null;
  updated_at: number;
}

export interface NoticeTable {
  id: string;
  account_id: string;
  kind: string;
  message: string;
  detail: string | null;
  created_at: number;
}

export type DeliveryRow = Selectable<DeliveryTable>;

/** A test event group that `simulate_event` (v1alpha) issued for a monitor; it resolves to test data. */
export interface TestEventGroupTable {
  id: string;
  account_id: string;
  monitor_id: string;
  created_at: number;
}

/** A task run: its stored create body, output spec, result or error, and its lease. */
export interface TaskRunTable {
  id: string;
  account_id: string;
  status: string;
  processor: string;
  /** The create body (`RunInput`) as JSON. */
  input: string;
  output_spec: string;
  output: string | null;
  derived_schema: string | null;
  error: string | null;
  warnings: string;
  attempts: number;
  locked_by: string | null;
  locked_until: number | null;
  created_at: number;
  modified_at: number;
}

/** A progress message of a task run, numbered from 1 within the run. */
export interface TaskRunMessageTable {
  run_id: string;
  seq: number;
  type: string;
  message: string;
  created_at: number;
}

export type TaskRunRow = Selectable<TaskRunTable>;
/** One source of one monitor: how its last checks went (noise control). */
export interface SourceHealthTable {
  monitor_id: string;
  source: string;
  url: string | null;
  consecutive_failures: number;
  last_success_at: number | null;
  last_error: string | null;
  last_error_key: string | null;
  last_error_at: number | null;
  last_checked_at: number;
}

/** Model tokens one execution or task run spent (0016). */
export interface ModelUsageTable {
  work_kind: ModelWorkKind;
  work_id: string;
  account_id: string;
  model: string;
  requests: number;
  prompt_tokens: number | string;
  completion_tokens: number | string;
  cost_micro_usd: number | string | null;
  created_at: number | string;
}
