import { legacyTime } from '../../delivery/monitor-webhooks.js';
import type { TaskOutput } from '../../domain/event.js';
import type { MonitorEvent } from '../../domain/monitor-schemas.js';
import { CADENCE_FREQUENCIES, type EventStreamSettings, type Monitor } from '../../domain/monitor.js';
import { invalid } from '../../errors.js';
import { iso } from '../../domain/wire.js';
import type { StoredEvent } from '../../store/events.repository.js';
import type { LegacyEvent } from './monitors-legacy-schemas.js';

/**
 * A monitor in its legacy wire shape (`V0MonitorResponse`, api.md §4.3): the v1 settings lifted to
 * the top level, `canceled` with one "l", and `cadence` only while it still names the frequency
 * (a later update through either API may have changed the frequency).
 */
export function toLegacyMonitor(m: Monitor) {
  const settings = m.settings as EventStreamSettings;
  const cadence = m.cadence && CADENCE_FREQUENCIES[m.cadence] === m.frequency ? { cadence: m.cadence } : {};
  return {
    monitor_id: m.id,
    query: settings.query,
    status: m.status === 'cancelled' ? ('canceled' as const) : ('active' as const),
    frequency: m.frequency,
    ...cadence,
    metadata: m.metadata,
    webhook: m.webhook,
    output_schema: settings.output_schema ?? null,
    source_policy: settings.advanced_settings?.source_policy ?? null,
    include_backfill: settings.include_backfill ?? false,
    created_at: iso(m.createdAt),
    last_run_at: iso(m.lastRunAt),
  };
}

/**
 * A logged event in its legacy shape (api.md §4.5): detected events keep only their result and the
 * urls their basis cites; completions and errors get the ids their webhooks carried
 * (`completed_<time>`, `error_<time>`, the time being when the outcome committed).
 */
export function toLegacyEvent(stored: StoredEvent): LegacyEvent {
  const record = JSON.parse(stored.body) as MonitorEvent & { timestamp: string };
  const at = Date.parse(record.timestamp);
  if (record.event_type === 'completion') return { type: 'completion', monitor_ts: `completed_${legacyTime(at)}` };
  if (record.event_type === 'error') {
    return { type: 'error', error: record.error_message ?? '', id: `error_${legacyTime(at)}`, date: legacyTime(at) };
  }
  const output = (record.output ?? record.changed_output) as TaskOutput;
  const urls = output.basis.flatMap((b) => b.citations.map((c) => c.url));
  return {
    type: 'event',
    event_group_id: record.event_group_id,
    output: output.type === 'text' ? output.content : JSON.stringify(output.content),
    event_date: record.event_date ?? null,
    source_urls: [...new Set(urls)],
    result: output.type === 'text' ? { type: 'text', content: output.content } : { type: 'json', content: output.content },
  };
}

/**
 * The test event a simulated `monitor.event.detected` group resolves to (api.md §4.8): text, or
 * every property of the monitor's output schema set to "".
 */
export function testEvent(m: Monitor, groupId: string, issuedAt: number): LegacyEvent {
  const schema = (m.settings as EventStreamSettings).output_schema?.json_schema;
  const properties = schema && typeof schema.properties === 'object' && schema.properties !== null ? Object.keys(schema.properties) : [];
  return {
    type: 'event',
    event_group_id: groupId,
    output: '',
    event_date: iso(issuedAt).slice(0, 10),
    source_urls: ['https://test.example.com'],
    result: schema ? { type: 'json', content: Object.fromEntries(properties.map((p) => [p, ''])) } : { type: 'text', content: 'This is a test event.' },
  };
}

/**
 * Milliseconds of a `lookback_period`: whole days or weeks only, at least one day (api.md §4.1).
 * Hours are refused with a 422 that says so, since `24h` is the usual mistake.
 */
export function lookbackMs(period: string): number {
  const match = /^(\d{1,6})([dw])$/.exec(period);
  const days = match ? Number(match[1]) * (match[2] === 'w' ? 7 : 1) : 0;
  if (days < 1) {
    throw invalid(['query', 'lookback_period'], `must be <n>d or <n>w (whole days or weeks, at least 1d, e.g. 10d or 2w); got "${period}"`, 'lookback_period');
  }
  return days * 86_400_000;
}
