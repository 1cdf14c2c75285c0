import type { TaskOutput } from './event.js';
import type { SourcePolicy } from './source-policy.js';

/**
 * Glossary. A *task run* is a one-off extraction: read the pages its input names and fill its
 * output schema (api.md §5). It is queued, leased by a worker like a monitor execution, and ends
 * `completed` with one result or `failed` with one error. A snapshot monitor re-runs its baseline
 * task on a schedule.
 */
export type TaskStatus = 'queued' | 'running' | 'completed' | 'failed';

/** Every processor name Parallel accepts (api.md §5.2); anything else is a 403. */
export const TASK_PROCESSORS: ReadonlySet<string> = new Set(
  ['lite', 'base', 'core', 'core2x', 'pro', 'ultra', 'ultra2x', 'ultra4x', 'ultra8x']
    .flatMap((name) => [name, `${name}-fast`]),
);


/** What a task's output should be, normalised from the four wire forms (api.md §5.2). */
export type OutputSpec =
  | { type: 'json'; json_schema: Record<string, unknown> }
  | { type: 'text'; description?: string | null }
  | { type: 'auto' };

/** A warning attached to a run (api.md §1.7 `Warning`). */
export interface TaskWarning { type: 'spec_validation_warning' | 'input_validation_warning' | 'warning'; message: string; detail?: Record<string, unknown> | null }

/** The create body as stored and returned by `GET …/input` (`RunInput`), with its output schema inside `task_spec`. */
export interface RunInput {
  input: string | Record<string, unknown>;
  processor: string;
  task_spec?: { output_schema: unknown; input_schema?: unknown } | null;
  /** String, number or boolean values (checked by the command). */
  metadata?: Record<string, unknown> | null;
  source_policy?: SourcePolicy | null;
  advanced_settings?: { location?: string | null } | null;
  webhook?: { url: string; event_types?: string[] } | null;
  enable_events?: boolean | null;
  previous_interaction_id?: string | null;
  memory_scope_key?: string | null;
  mcp_servers?: unknown[] | null;
}

/** A failed run's error, in the envelope's shape. */
export interface TaskError { ref_id: string; message: string; detail: Record<string, unknown> | null }

/** A task run as the engine and the API see it. Times are epoch milliseconds. */
export interface TaskRun {
  id: string;
  accountId: string;
  status: TaskStatus;
  processor: string;
  input: RunInput;
  outputSpec: OutputSpec;
  output: TaskOutput | null;
  /** The schema an auto spec was answered with, when it was answered with JSON. */
  derivedSchema: Record<string, unknown> | null;
  error: TaskError | null;
  warnings: TaskWarning[];
  attempts: number;
  createdAt: number;
  modifiedAt: number;
}

/** A progress message of a run, replayed to every SSE connection (api.md §5.4). */
export interface TaskMessage { seq: number; type: string; message: string; createdAt: number }

/** Whether a run may still change (`is_active` on the wire). */
export const isActive = (status: TaskStatus): boolean => status === 'queued' || status === 'running';

const iso = (ms: number) => new Date(ms).toISOString();

/** A run in its wire shape (`TaskRun`, api.md §5.3), as responses and `task_run.status` webhooks carry it. */
export function taskRunRecord(run: TaskRun) {
  return {
    run_id: run.id,
    interaction_id: run.id,
    status: run.status,
    is_active: isActive(run.status),
    processor: run.processor,
    metadata: run.input.metadata ?? null,
    created_at: iso(run.createdAt),
    modified_at: iso(run.modifiedAt),
    error: run.status === 'failed' ? run.error : null,
    warnings: run.warnings.length > 0 ? run.warnings : null,
    taskgroup_id: null,
  };
}
