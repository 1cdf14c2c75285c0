/** One citation of a field's basis (api.md §1.7). */
export interface Citation { url: string; title?: string | null; excerpts?: string[] | null }

/** How sure a basis entry is. */
export type Confidence = 'low' | 'medium' | 'high';

/** Why a field of an output has its value. */
export interface FieldBasis {
  field: string;
  citations: Citation[];
  reasoning: string;
  confidence?: Confidence | null;
}

/** A task-shaped output: text, or JSON matching the monitor's `output_schema`. */
export type TaskOutput =
  | { type: 'text'; content: string; basis: FieldBasis[] }
  | { type: 'json'; content: Record<string, unknown>; basis: FieldBasis[] };

/** A detected event, before it is appended to the log. */
export type DetectedEvent =
  | { kind: 'event_stream'; eventDate: string | null; output: TaskOutput }
  | { kind: 'snapshot'; eventDate: string | null; changedOutput: TaskOutput; previousOutput: TaskOutput };

/**
 * The one outcome of an execution. `warnings` name sources that failed while the execution still
 * succeeded (others worked, or the failure was already reported); they go on its log records.
 */
export type Outcome =
  | { kind: 'events'; events: DetectedEvent[]; warnings?: string[] }
  | { kind: 'completion'; warnings?: string[] }
  | { kind: 'error'; message: string };

/** An entry to append to the log: its stable id is minted once, by the caller. */
export type LogEntry = { id: string; monitorId: string; executionId: string; createdAt: number; warnings?: string[] } & (
  | DetectedEvent
  | { kind: 'completion' }
  | { kind: 'error'; message: string }
);

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The event as the log records it, fixed once appended: its v1 wire shape (api.md §2.9). Completion
 * and error events also carry their stable `event_id` and `event_group_id`, additions that spare
 * clients fingerprinting them; detected events also carry `monitor_group_id` (the May 2026 name).
 * Records of an execution in which some source failed carry `warnings` (additive).
 */
export function eventRecord(entry: LogEntry) {
  const common = {
    event_id: entry.id, event_group_id: entry.executionId, timestamp: iso(entry.createdAt),
    ...(entry.warnings?.length ? { warnings: entry.warnings } : {}),
  };
  switch (entry.kind) {
    case 'event_stream':
      return { event_type: 'event_stream' as const, ...common, monitor_group_id: entry.executionId, event_date: entry.eventDate, output: entry.output };
    case 'snapshot':
      return {
        event_type: 'snapshot' as const, ...common, monitor_group_id: entry.executionId, event_date: entry.eventDate,
        changed_output: entry.changedOutput, previous_output: entry.previousOutput,
      };
    case 'completion':
      return { event_type: 'completion' as const, ...common };
    case 'error':
      return { event_type: 'error' as const, ...common, error_message: entry.message };
  }
}
