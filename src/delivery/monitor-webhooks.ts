import type { LogEntry, Outcome } from '../domain/event.js';
import { ID } from '../domain/ids.js';
import { WEBHOOK_EVENT_TYPES, type Monitor, type MonitorWebhook, type WebhookEventType } from '../domain/monitor.js';
import { iso } from '../domain/wire.js';
import type { NewDelivery } from '../store/deliveries.repository.js';

/** A time as the legacy ids carry it: RFC 3339 to the second, `Z` (`completed_2025-01-15T10:30:00Z`). */
export const legacyTime = (ms: number) => iso(ms).replace(/\.\d{3}Z$/, 'Z');

/** Whether a webhook subscribes to a type: a missing or empty `event_types` means every type. */
export function subscribes(webhook: Monitor['webhook'], type: WebhookEventType): boolean {
  if (!webhook) return false;
  return !webhook.event_types?.length || webhook.event_types.includes(type);
}

/** What a message's `data.event` is made from: the execution (event group), its log entry and when. */
export interface WebhookEventSource {
  groupId: string;
  eventId: string;
  errorMessage: string;
  at: number;
}

/**
 * The `data.event` of a message of this type (api.md §3.1): the detected group, or the documented
 * legacy completion and error shapes plus the additive `event_id`, `event_group_id` and `timestamp`.
 */
export function webhookEvent(type: WebhookEventType, s: WebhookEventSource): Record<string, unknown> {
  switch (type) {
    case 'monitor.event.detected':
      return { event_group_id: s.groupId };
    case 'monitor.execution.completed':
      return { type: 'completion', monitor_ts: `completed_${legacyTime(s.at)}`, event_id: s.eventId, event_group_id: s.groupId, timestamp: iso(s.at) };
    case 'monitor.execution.failed':
      return {
        type: 'error',
        error: s.errorMessage,
        id: `error_${legacyTime(s.at)}`,
        date: legacyTime(s.at),
        event_id: s.eventId,
        event_group_id: s.groupId,
        error_message: s.errorMessage,
        timestamp: iso(s.at),
      };
  }
}

/** A monitor webhook message as an outbox row, with the body every message of its type has. */
export function monitorDelivery(monitor: Monitor, webhook: MonitorWebhook, type: WebhookEventType, event: Record<string, unknown>, now: number): NewDelivery {
  const body = { type, timestamp: iso(now), data: { monitor_id: monitor.id, event, metadata: monitor.metadata ?? null } };
  return {
    id: ID.delivery(),
    accountId: monitor.accountId,
    resourceType: 'monitor',
    resourceId: monitor.id,
    eventType: type,
    url: webhook.url,
    body: JSON.stringify(body),
    createdAt: now,
  };
}

/**
 * The webhook message an execution's outcome implies (api.md §3.1), as an outbox row to commit in
 * the outcome's transaction; none when the monitor has no webhook or does not subscribe to it.
 */
export function monitorDeliveries(monitor: Monitor, executionId: string, outcome: Outcome, entries: LogEntry[], now: number): NewDelivery[] {
  const type = outcome.kind === 'events' ? WEBHOOK_EVENT_TYPES[0] : outcome.kind === 'completion' ? WEBHOOK_EVENT_TYPES[1] : WEBHOOK_EVENT_TYPES[2];
  if (!monitor.webhook || !subscribes(monitor.webhook, type)) return [];
  const event = webhookEvent(type, {
    groupId: executionId,
    eventId: entries[0].id,
    errorMessage: outcome.kind === 'error' ? outcome.message : '',
    at: now,
  });
  return [monitorDelivery(monitor, monitor.webhook, type, event, now)];
}
