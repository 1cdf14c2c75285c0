import type { Static } from 'typebox';
import type { TaskOutput } from './event.js';
import type { RunInput, TaskError, TaskStatus as TaskStatusSchema, TaskWarning } from './task-schemas.js';

export type { RunInput, TaskError, TaskWarning } from './task-schemas.js';

/**
 * Glossary. A *task run* is a one-off extraction: read the pages its input names and fill its
 * output schema (api.md §5). It is queued, leased by a worker like a monitor execution, and ends
 * `completed` with one result or `failed` with one error. A snapshot monitor re-runs its baseline
 * task on a schedule.
 */
export type TaskStatus = Static<typeof TaskStatusSchema>;

/** Every processor name Parallel accepts (api.md §5.2); anything else is a 403. */
export const TASK_PROCESSORS: ReadonlySet<string> = new Set(
  ['lite', 'base', 'core', 'core2x', 'pro', 'ultra', 'ultra2x', 'ultra4x', 'ultra8x'].flatMap((name) => [name, `${name}-fast`]),
);

/** What a task's output should be, normalised from the four wire forms (api.md §5.2). */
export type OutputSpec = { type: 'json'; json_schema: Record<string, unknown> } | { type: 'text'; description?: string | null } | { type: 'auto' };

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
export interface TaskMessage {
  seq: number;
  type: string;
  message: string;
  createdAt: number;
}

/** Whether a run may still change (`is_active` on the wire). */
export const isActive = (status: TaskStatus): boolean => status === 'queued' || status === 'running';
