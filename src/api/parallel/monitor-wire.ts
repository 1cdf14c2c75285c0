import type { Monitor, SnapshotSettings } from '../../domain/monitor.js';

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
    settings: wireSettings(m),
    last_run_at: m.lastRunAt === null ? null : iso(m.lastRunAt),
    metadata: m.metadata,
    webhook: m.webhook,
    output: m.type === 'snapshot' ? (m.output ?? null) : null,
    memory_scope_key: m.memoryScopeKey,
  };
}

/** Settings as the wire shows them: a snapshot monitor's record of its baseline task stays inside. */
function wireSettings(m: Monitor): Record<string, unknown> {
  if (m.type !== 'snapshot') return m.settings as unknown as Record<string, unknown>;
  const { task: _task, ...wire } = m.settings as SnapshotSettings;
  return wire;
}
