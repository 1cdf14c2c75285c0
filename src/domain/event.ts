import type { TaskOutput } from './task-schemas.js';

export type { Citation, Confidence, FieldBasis, TaskOutput } from './task-schemas.js';

/** A detected event, before it is appended to the log. */
export type DetectedEvent =
  | { kind: 'event_stream'; eventDate: string | null; output: TaskOutput }
  | { kind: 'snapshot'; eventDate: string | null; changedOutput: TaskOutput; previousOutput: TaskOutput };

/**
 * The one outcome of an execution. `warnings` name sources that failed while the execution still
 * succeeded (others worked, or the failure was already reported); they go on its log records.
 */
export type Outcome =
  { kind: 'events'; events: DetectedEvent[]; warnings?: string[] } | { kind: 'completion'; warnings?: string[] } | { kind: 'error'; message: string };

/** An entry to append to the log: its stable id is minted once, by the caller. */
export type LogEntry = { id: string; monitorId: string; executionId: string; createdAt: number; warnings?: string[] } & (
  DetectedEvent | { kind: 'completion' } | { kind: 'error'; message: string }
);
