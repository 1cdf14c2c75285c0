/** One citation of a field's basis (api.md §1.7). */
export interface Citation { url: string; title?: string | null; excerpts?: string[] | null }

/** Why a field of an output has its value. */
export interface FieldBasis {
  field: string;
  citations: Citation[];
  reasoning: string;
  confidence?: 'low' | 'medium' | 'high' | null;
}

/** A task-shaped output: text, or JSON matching the monitor's `output_schema`. */
export type TaskOutput =
  | { type: 'text'; content: string; basis: FieldBasis[] }
  | { type: 'json'; content: Record<string, unknown>; basis: FieldBasis[] };

/** A detected event, before it is appended to the log. */
export type DetectedEvent =
  | { kind: 'event_stream'; eventDate: string | null; output: TaskOutput }
  | { kind: 'snapshot'; eventDate: string | null; changedOutput: TaskOutput; previousOutput: TaskOutput };

/** The one outcome of an execution. */
export type Outcome =
  | { kind: 'events'; events: DetectedEvent[] }
  | { kind: 'completion' }
  | { kind: 'error'; message: string };

/** An entry of the append-only event log, as read back. */
export type LogEntry = { id: string; seq: number; monitorId: string; executionId: string; createdAt: number } & (
  | { kind: 'event_stream'; eventDate: string | null; output: TaskOutput }
  | { kind: 'snapshot'; eventDate: string | null; changedOutput: TaskOutput; previousOutput: TaskOutput }
  | { kind: 'completion' }
  | { kind: 'error'; message: string }
);

export type LogEntryKind = LogEntry['kind'];
