import type { QueueDepth } from '../metrics.js';
import type { Queryable } from './db.js';

/**
 * How much work waits and runs, for `/metrics`: queued and leased executions and task runs, and
 * pending webhook deliveries (leased ones count as running). Each count reads a partial index of
 * open rows, so a scrape costs the size of the queues, not of the history.
 */
export async function queueDepths(db: Queryable, now: number): Promise<QueueDepth[]> {
  const count = async (table: 'executions' | 'task_runs' | 'webhook_deliveries', status: string, leasedOnly = false) => {
    let query = db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', '=', status);
    if (leasedOnly) query = query.where('locked_until', '>=', now);
    return Number((await query.executeTakeFirstOrThrow()).n);
  };
  const [execQueued, execRunning, runsQueued, runsRunning, pending, sending] = await Promise.all([
    count('executions', 'queued'),
    count('executions', 'running'),
    count('task_runs', 'queued'),
    count('task_runs', 'running'),
    count('webhook_deliveries', 'pending'),
    count('webhook_deliveries', 'pending', true),
  ]);
  return [
    { kind: 'execution', state: 'queued', count: execQueued },
    { kind: 'execution', state: 'running', count: execRunning },
    { kind: 'task_run', state: 'queued', count: runsQueued },
    { kind: 'task_run', state: 'running', count: runsRunning },
    { kind: 'webhook_delivery', state: 'queued', count: pending - sending },
    { kind: 'webhook_delivery', state: 'running', count: sending },
  ];
}
