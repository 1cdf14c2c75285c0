import type { LogEntry, Outcome } from '../domain/event.js';
import { ID } from '../domain/ids.js';
import { WEBHOOK_EVENT_TYPES, type Monitor, type WebhookEventType } from '../domain/monitor.js';
import type { NewDelivery } from '../store/deliveries.repository.js';

const iso = (ms: number) => new Date(ms).toISOString();
const legacyTime = (ms: number) => iso(ms).replace(/\.\d{3}Z$/, 'Z');

/** Whether a webhook subscribes to a type: a missing or empty `event_types` means every type. */
export function subscribes(webhook: Monitor['webhook'], type: WebhookEventType): boolean {
  if (!webhook) return false;
  return !webhook.event_types?.length || webhook.event_types.includes(type);
}

/**
 * The webhook message an execution's outcome implies (api.md §3.1), as an outbox row to commit in
 * the outcome's transaction; none when the monitor has no webhook or does not subscribe to it.
 */
export function monitorDeliveries(
  monitor: Monitor, executionId: string, outcome: Outcome, entries: LogEntry[], now: number,
): NewDelivery[] {
  const type = outcome.kind === 'events' ? WEBHOOK_EVENT_TYPES[0] : outcome.kind === 'completion' ? WEBHOOK_EVENT_TYPES[1] : WEBHOOK_EVENT_TYPES[2];
  if (!monitor.webhook || !subscribes(monitor.webhook, type)) return [];
  const entry = entries[0];
  const event = outcome.kind === 'events'
    ? { event_group_id: executionId }
    : outcome.kind === 'completion'
      ? { type: 'completion', monitor_ts: `completed_${legacyTime(now)}`, event_id: entry.id, event_group_id: executionId, timestamp: iso(now) }
      : {
        type: 'error', error: outcome.message, id: `error_${legacyTime(now)}`, date: legacyTime(now),
        event_id: entry.id, event_group_id: executionId, error_message: outcome.message, timestamp: iso(now),
      };
  const body = { type, timestamp: iso(now), data: { monitor_id: monitor.id, event, metadata: monitor.metadata ?? null } };
  return [{
    id: ID.delivery(), accountId: monitor.accountId, resourceType: 'monitor', resourceId: monitor.id,
    eventType: type, url: monitor.webhook.url, body: JSON.stringify(body), createdAt: now,
  }];
}
