import type { EvalMonitor, EvaluationEventType } from '../domain/evaluation.js';
import { ID } from '../domain/ids.js';
import { iso } from '../domain/wire.js';
import type { NewDelivery } from '../store/deliveries.repository.js';

/**
 * The message an evaluation's end implies, as an outbox row to commit with that end; none when
 * the monitor has no webhook or its `event_types` leave this type out.
 */
export function evaluationDeliveries(monitor: EvalMonitor, type: EvaluationEventType, evaluationId: string, data: unknown, now: number): NewDelivery[] {
  const webhook = monitor.settings.webhook;
  if (!webhook || (webhook.event_types?.length && !webhook.event_types.includes(type))) return [];
  const body = { type, timestamp: iso(now), data };
  return [
    {
      id: ID.delivery(),
      accountId: monitor.accountId,
      resourceType: 'evaluation',
      resourceId: evaluationId,
      eventType: type,
      url: webhook.url,
      body: JSON.stringify(body),
      createdAt: now,
    },
  ];
}
