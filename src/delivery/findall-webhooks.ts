import { ID } from '../domain/ids.js';
import type { FindAllRun } from '../domain/findall.js';
import { FINDALL_WEBHOOK_TYPES, RUN_STATUS_ALIAS } from '../domain/findall-rules.js';
import { iso } from '../domain/wire.js';
import type { NewDelivery } from '../store/deliveries.repository.js';

const TYPES: ReadonlySet<string> = new Set(FINDALL_WEBHOOK_TYPES);

/** Whether a run's webhook asked for this type: all `findall.*` types when it names none (api.md §6.7). */
function wanted(eventTypes: string[] | undefined, type: string): boolean {
  if (!eventTypes?.length) return true;
  return eventTypes.includes(type) || (type.startsWith('findall.run.') && eventTypes.includes(RUN_STATUS_ALIAS));
}

/**
 * The webhook message a FindAll event implies, as an outbox row to commit in the same transaction
 * as the event: `{type, timestamp, data}` with the candidate or the run (no `event_id`: receivers
 * dedupe on `webhook-id`). None when the run has no webhook, the type is not a webhook type, or the
 * webhook's `event_types` leave it out.
 */
export function findAllDeliveries(run: FindAllRun, type: string, data: unknown, now: number): NewDelivery[] {
  if (!run.webhook || !TYPES.has(type) || !wanted(run.webhook.event_types, type)) return [];
  const body = { type, timestamp: iso(now), data };
  return [
    {
      id: ID.delivery(),
      accountId: run.accountId,
      resourceType: 'findall_run',
      resourceId: run.id,
      eventType: type,
      url: run.webhook.url,
      body: JSON.stringify(body),
      createdAt: now,
    },
  ];
}
