import type { LogEntry } from '../../domain/event.js';
import type { Monitor } from '../../domain/monitor.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** A monitor in its v1 wire shape (`MonitorResponse`, api.md §2.2). */
export function toWireMonitor(m: Monitor) {
  return {
    monitor_id: m.id,
    type: m.type,
    status: m.status,
    frequency: m.frequency,
    processor: m.processor,
    created_at: iso(m.createdAt),
    settings: m.settings as unknown as Record<string, unknown>,
    last_run_at: m.lastRunAt === null ? null : iso(m.lastRunAt),
    metadata: m.metadata,
    webhook: m.webhook,
    output: m.type === 'snapshot' ? (m.output ?? null) : null,
    memory_scope_key: m.memoryScopeKey,
  };
}

/**
 * A log entry in its v1 wire shape (api.md §2.9). Completion and error events also carry their
 * stable `event_id` and `event_group_id`, additions that spare clients fingerprinting them.
 */
export function toWireEvent(entry: LogEntry) {
  const common = { event_id: entry.id, event_group_id: entry.executionId, timestamp: iso(entry.createdAt) };
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
