import { ID } from '../domain/ids.js';
import type { TaskRun } from '../domain/task.js';
import { iso, taskRunRecord } from '../domain/wire.js';
import type { NewDelivery } from '../store/deliveries.repository.js';

/** The one event type of task webhooks (api.md §5.5). */
export const TASK_RUN_STATUS = 'task_run.status';

/**
 * The `task_run.status` message a finished run implies, as an outbox row to commit with the run's
 * end; none when the run has no webhook or its `event_types` leave this type out.
 */
export function taskRunDeliveries(run: TaskRun, now: number): NewDelivery[] {
  const webhook = run.input.webhook;
  if (!webhook || (webhook.event_types?.length && !webhook.event_types.includes(TASK_RUN_STATUS))) return [];
  const body = { timestamp: iso(now), type: TASK_RUN_STATUS, data: taskRunRecord(run) };
  return [
    {
      id: ID.delivery(),
      accountId: run.accountId,
      resourceType: 'task_run',
      resourceId: run.id,
      eventType: TASK_RUN_STATUS,
      url: webhook.url,
      body: JSON.stringify(body),
      createdAt: now,
    },
  ];
}
